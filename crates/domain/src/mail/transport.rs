//! How a message leaves: the SMTP or folder [`Mailer`], and the MIME message
//! built from an outbox row.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use roster_entity::outbox;

use crate::{Error, Result};

/// The SMTP timeout of one command.
pub(super) const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// How messages leave: SMTP, or `.eml` files in a folder (the embedded default).
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
            Mailer::Files(dir) => write!(f, "Mailer::Files({})", dir.display()),
        }
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    None,
    StartTls,
    Tls,
}

impl Mailer {
    /// An SMTP mailer; nothing is connected until the first message.
    pub fn smtp(
        host: &str,
        port: u16,
        security: SmtpSecurity,
        credentials: Option<(String, String)>,
    ) -> Result<Self> {
        let tls = match security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::StartTls => {
                Tls::Required(TlsParameters::new(host.into()).map_err(Error::internal)?)
            }
            SmtpSecurity::Tls => {
                Tls::Wrapper(TlsParameters::new(host.into()).map_err(Error::internal)?)
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .timeout(Some(SEND_TIMEOUT));
        if let Some((user, password)) = credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(Mailer::Smtp(builder.build()))
    }

    pub(super) async fn send(&self, message: Message) -> std::result::Result<(), SendError> {
        match self {
            Mailer::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: e.to_string(),
            }),
            Mailer::Files(dir) => {
                let transient = |e: &dyn std::fmt::Display| SendError {
                    message: e.to_string(),
                    permanent: false,
                };
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| transient(&e))?;
                AsyncFileTransport::<Tokio1Executor>::new(dir)
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| transient(&e))
            }
        }
    }
}

/// Why a message did not go out.
#[derive(Debug)]
pub(super) struct SendError {
    pub(super) message: String,
    /// Asking again will not help.
    pub(super) permanent: bool,
}

pub(super) fn build_message(
    from: &Mailbox,
    m: &outbox::Model,
) -> std::result::Result<Message, String> {
    let to: Mailbox = m
        .recipient
        .parse()
        .map_err(|e| format!("bad recipient: {e}"))?;
    Message::builder()
        // Stable across attempts, so a receiver can tell a retry from a new
        // message.
        .message_id(Some(format!("<{}@{}>", m.id, from.email.domain())))
        .from(from.clone())
        .to(to)
        .subject(m.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            m.text_body.clone(),
            m.html_body.clone(),
        ))
        .map_err(|e| e.to_string())
}
