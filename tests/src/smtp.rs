//! A real SMTP listener for tests: speaks enough SMTP for lettre (EHLO, MAIL,
//! RCPT, DATA, RSET, NOOP, QUIT) and keeps every message it accepts. Recipients
//! whose address starts with `bounce` are refused for good (550), like a mailbox
//! that does not exist.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One accepted message: envelope recipients and the raw DATA.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub recipients: Vec<String>,
    pub data: String,
}

impl ReceivedMail {
    /// The data with quoted-printable soft line breaks and `=3D` undone, enough to
    /// read links out of the text part.
    pub fn decoded(&self) -> String {
        self.data.replace("=\r\n", "").replace("=3D", "=")
    }

    /// The first `/set-password?token=...` link in the message.
    pub fn set_password_token(&self) -> Option<String> {
        let text = self.decoded();
        let start = text.find("set-password?token=")? + "set-password?token=".len();
        let token: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        (!token.is_empty()).then_some(token)
    }
}

#[derive(Clone, Default)]
pub struct SmtpSink {
    received: Arc<Mutex<Vec<ReceivedMail>>>,
}

impl SmtpSink {
    /// Listens on `127.0.0.1:port` (0 for any free port); returns the sink and
    /// the port.
    pub async fn start(port: u16) -> (Self, u16) {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("SMTP sink binds");
        let port = listener.local_addr().expect("bound").port();
        let sink = SmtpSink::default();
        let received = sink.received.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let received = received.clone();
                tokio::spawn(async move {
                    let _ = session(stream, received).await;
                });
            }
        });
        (sink, port)
    }

    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.received.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Waits (up to 15 s) until at least `n` messages arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<ReceivedMail> {
        for _ in 0..300 {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {n} messages, got {}", self.messages().len());
    }
}

async fn session(
    stream: tokio::net::TcpStream,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 roster-test-sink ESMTP\r\n").await?;
    let mut recipients = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-roster-test-sink\r\n250 8BITMIME\r\n"
        } else if command.starts_with("HELO")
            || command.starts_with("MAIL FROM")
            || command.starts_with("NOOP")
        {
            b"250 OK\r\n"
        } else if command.starts_with("RSET") {
            recipients.clear();
            b"250 OK\r\n"
        } else if command.starts_with("RCPT TO") {
            let recipient = line.trim_end()[8..]
                .trim()
                .trim_matches(['<', '>'])
                .to_string();
            // A mailbox that does not exist, to test permanent failures.
            if recipient.starts_with("bounce") {
                b"550 5.1.1 No such mailbox\r\n"
            } else {
                recipients.push(recipient);
                b"250 OK\r\n"
            }
        } else if command.starts_with("DATA") {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            if let Ok(mut all) = received.lock() {
                all.push(ReceivedMail {
                    recipients: std::mem::take(&mut recipients),
                    data,
                });
            }
            b"250 OK queued\r\n"
        } else if command.starts_with("QUIT") {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}
