//! TLS: the client talks HTTPS to a loopback server whose certificate comes from a test CA, and
//! verification is always on — an unknown CA or a wrong host name fails, and nothing turns it off.

#![allow(clippy::result_large_err)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

use llmwire::client::Client;
use llmwire::taxonomy::ErrorClass;
use llmwire::ErrorObject;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{json, Value};

const CA: &str = include_str!("../fixtures/tls/ca.pem");
const CERT: &[u8] = include_bytes!("../fixtures/tls/server.pem");
const KEY: &[u8] = include_bytes!("../fixtures/tls/server.key");

const COMPLETION: &str = r#"{"id":"tls-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"over TLS"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#;

/// A TLS server on a loopback address answering every request with one completion; returns its port.
fn start_tls_server_on(ip: &str) -> u16 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs = vec![CertificateDer::from_pem_slice(CERT).expect("test certificate")];
    let key = PrivateKeyDer::from_pem_slice(KEY).expect("test key");
    let config = Arc::new(
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("server config"),
    );
    let listener = TcpListener::bind((ip, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = Arc::clone(&config);
            std::thread::spawn(move || {
                let Ok(connection) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(connection, stream);
                // A failed handshake (the client rejected us) ends here, as it should.
                let _ = answer(&mut tls);
            });
        }
    });
    port
}

fn answer(stream: &mut impl ReadWrite) -> std::io::Result<()> {
    let mut reader = BufReader::new(&mut *stream);
    let mut content_length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            content_length = value.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body)?;
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{COMPLETION}",
        COMPLETION.len()
    );
    stream.write_all(response.as_bytes())?;
    stream.flush()
}

fn start_tls_server() -> u16 {
    start_tls_server_on("127.0.0.1")
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

fn client(base_url: String, ca: Option<&str>) -> Client {
    let mut config = json!({
        "base_url": base_url,
        "api_key": "k",
        "model": "m",
        "retry": { "max_attempts": 1 },
    });
    if let Some(ca) = ca {
        config["ca_certs_pem"] = Value::String(ca.to_owned());
    }
    Client::new(&config.to_string()).unwrap()
}

fn hello() -> Value {
    json!({ "messages": [{ "role": "user", "content": "hi" }] })
}

#[test]
fn https_with_the_test_ca_succeeds() {
    let port = start_tls_server();
    for host in ["localhost", "127.0.0.1"] {
        let response = client(format!("https://{host}:{port}/v1"), Some(CA))
            .chat(&hello(), None)
            .unwrap();
        assert_eq!(response["choices"][0]["message"]["content"], "over TLS");
    }
}

/// A TLS failure over the certificate: `network`, and the message says so.
fn assert_refused_for_its_certificate(error: &ErrorObject) {
    assert_eq!(error.class(), ErrorClass::Network, "{}", error.to_json());
    let message = error.classification.message.to_lowercase();
    assert!(message.contains("certificate"), "{}", error.to_json());
}

#[test]
fn an_unknown_ca_is_rejected() {
    let port = start_tls_server();
    // The bundled public roots do not include the test CA.
    let error = client(format!("https://localhost:{port}/v1"), None)
        .chat(&hello(), None)
        .unwrap_err();
    assert_refused_for_its_certificate(&error);
}

#[test]
fn a_certificate_for_another_host_is_rejected() {
    // The certificate names localhost and 127.0.0.1 only; 127.0.0.2 is loopback too, but unnamed.
    let port = start_tls_server_on("127.0.0.2");
    let error = client(format!("https://127.0.0.2:{port}/v1"), Some(CA))
        .chat(&hello(), None)
        .unwrap_err();
    assert_refused_for_its_certificate(&error);
}

#[test]
fn there_is_no_setting_that_disables_verification() {
    for key in [
        "insecure",
        "tls_verify",
        "danger_accept_invalid_certs",
        "verify",
    ] {
        let config = json!({ key: false }).to_string();
        let error = Client::new(&config)
            .err()
            .expect("unknown keys are rejected");
        assert_eq!(error.class(), ErrorClass::InvalidConfig);
        assert!(
            error.classification.message.contains(key),
            "{}",
            error.to_json()
        );
    }
}

#[test]
fn invalid_ca_pem_is_a_config_error() {
    let config = json!({ "ca_certs_pem": "not a certificate" }).to_string();
    let error = Client::new(&config).err().expect("rejected");
    assert_eq!(error.class(), ErrorClass::InvalidConfig);
}

#[test]
fn an_unknown_ca_is_a_tls_fault_that_is_not_retried() {
    let port = start_tls_server();
    let config = json!({
        "base_url": format!("https://localhost:{port}/v1"),
        "api_key": "k",
        "model": "m",
        "retry": { "initial_backoff_ms": 1, "max_backoff_ms": 1 },
    });
    let error = Client::new(&config.to_string())
        .unwrap()
        .chat(&hello(), None)
        .unwrap_err();
    assert_refused_for_its_certificate(&error);
    assert_eq!(error.attempts.len(), 1, "{}", error.to_json());
    let message = &error.classification.message;
    assert!(message.contains("TLS"), "{}", error.to_json());
    assert!(!message.contains("reset"), "{}", error.to_json());
}
