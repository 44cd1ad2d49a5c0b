//! The committed OpenAPI document is the generated one, and it is served.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::spawn_app;

fn committed_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json")
}

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = roster_api::openapi::document_json();
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();

    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `cargo xtask openapi` and commit the result"
    );
}

#[test]
fn every_operation_is_documented_with_a_summary_and_problem_responses() {
    let doc: serde_json::Value =
        serde_json::from_str(&roster_api::openapi::document_json()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(
        paths.contains_key("/api/v1/users/{id}"),
        "{:?}",
        paths.keys()
    );
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            assert!(op["summary"].is_string(), "{method} {path} has a summary");
            let responses = op["responses"].as_object().unwrap();
            for (status, res) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    // Declared once under components/responses, referred to
                    // with the operation's own description.
                    let reference = res["$ref"].as_str().unwrap_or_default();
                    let name = reference
                        .strip_prefix("#/components/responses/")
                        .unwrap_or_else(|| {
                            panic!("{method} {path} {status} refers to a shared problem response")
                        });
                    let shared = &doc["components"]["responses"][name];
                    assert!(
                        shared["content"]["application/problem+json"].is_object(),
                        "{method} {path} {status} is a problem"
                    );
                    assert!(shared["headers"]["X-Request-Id"].is_object());
                    if status == "429" {
                        assert!(shared["headers"]["Retry-After"].is_object());
                    }
                    assert!(
                        res["description"].is_string(),
                        "{method} {path} {status} says when"
                    );
                }
            }
            if op.get("security").is_some() {
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} documents 401"
                );
            }
        }
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

/// Client generators fail on a `$ref` to nothing.
#[test]
fn every_reference_in_the_document_resolves() {
    fn walk(value: &serde_json::Value, refs: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                    refs.push(r.clone());
                }
                map.values().for_each(|v| walk(v, refs));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, refs)),
            _ => {}
        }
    }
    let doc: serde_json::Value =
        serde_json::from_str(&roster_api::openapi::document_json()).unwrap();
    let mut refs = Vec::new();
    walk(&doc, &mut refs);
    assert!(
        refs.len() > 100,
        "the document uses references ({})",
        refs.len()
    );
    for reference in refs {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{reference} is local"));
        assert!(doc.pointer(pointer).is_some(), "{reference} resolves");
    }
}

#[tokio::test]
async fn the_document_and_the_api_reference_are_served() {
    let app = spawn_app().await;

    let served: serde_json::Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let docs = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    let redirect = app.client.get(app.url("/api/docs")).send().await.unwrap();

    let generated: serde_json::Value =
        serde_json::from_str(&roster_api::openapi::document_json()).unwrap();
    assert_eq!(served, generated);
    assert_eq!(docs.status(), 200);
    assert!(
        docs.text().await.unwrap().contains("swagger"),
        "the reference page is Swagger UI"
    );
    assert_eq!(redirect.status(), 308);
}
