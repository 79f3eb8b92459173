//! The S3 store against a real S3 protocol conversation: moto's S3 server (a fake of Amazon S3,
//! which cannot be reached from here), started on loopback by the test. Without `moto_server`
//! outside CI the test says so and skips; under CI it fails.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tt_app::objects::ObjectStore;
use tt_s3::{S3Settings, S3Store};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port()
}

fn start_moto(port: u16) -> Option<Server> {
    match Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => Some(Server(child)),
        Err(_) if std::env::var_os("CI").is_some() => panic!("moto_server is missing: pip install 'moto[server]'"),
        Err(_) => {
            eprintln!("skipping the S3 test: install moto's S3 server with pip install 'moto[server]'");
            None
        }
    }
}

#[tokio::test]
async fn evidence_is_stored_and_read_back_through_the_s3_protocol() {
    let port = free_port();
    let Some(_server) = start_moto(port) else { return };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let settings = S3Settings {
        s3_endpoint: format!("http://127.0.0.1:{port}"),
        s3_region: "us-east-1".to_owned(),
        s3_bucket: "evidence-test".to_owned(),
        s3_access_key_id: "testing".to_owned(),
        s3_secret_access_key: "testing".to_owned(),
    };
    let store = S3Store::new(&settings).expect("store");
    store.create_bucket().await.expect("bucket");
    store.create_bucket().await.expect("an existing bucket is fine");
    let key = "evidence/01234567-89ab-cdef-0123-456789abcdef/0190f0c2a3b4";
    let bytes = b"%PDF-1.4 seal log \xe2\x80\x94 week 12".to_vec();
    store.put(key, bytes.clone()).await.expect("put");
    assert_eq!(store.get(key).await.expect("get"), bytes);
    let missing = store.get("evidence/nothing-here").await;
    assert!(missing.is_err(), "a missing object is an error");
}

#[test]
fn a_bad_endpoint_or_missing_credentials_are_refused_with_the_setting_named() {
    let bad = S3Settings { s3_endpoint: "ftp://example.com".to_owned(), ..S3Settings::default() };
    assert!(S3Store::new(&bad).err().expect("refused").to_string().contains("objects.s3_endpoint"));
    let no_keys = S3Settings { s3_endpoint: "https://s3.amazonaws.com".to_owned(), ..S3Settings::default() };
    assert!(S3Store::new(&no_keys).err().expect("refused").to_string().contains("objects.s3_access_key_id"));
}
