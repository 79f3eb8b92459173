//! The SMTP mailer against a real SMTP conversation on loopback: a minimal server that accepts
//! one message and keeps what it received.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tt_app::{Mailer, OutgoingEmail};
use tt_mail::{MailSettings, SmtpMailer};

/// Speaks just enough SMTP to accept one message; returns the commands and the data received.
async fn smtp_sink(listener: TcpListener) -> (Vec<String>, String) {
    let (stream, _) = listener.accept().await.expect("accept");
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    writer.write_all(b"220 sink ESMTP\r\n").await.expect("greet");
    let mut commands = Vec::new();
    let mut data = String::new();
    while let Some(line) = lines.next_line().await.expect("read") {
        let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        commands.push(line.clone());
        match verb.as_str() {
            "EHLO" | "HELO" => writer.write_all(b"250-sink\r\n250 8BITMIME\r\n").await.expect("ehlo"),
            "DATA" => {
                writer.write_all(b"354 go ahead\r\n").await.expect("data");
                while let Some(body_line) = lines.next_line().await.expect("body") {
                    if body_line == "." {
                        break;
                    }
                    data.push_str(&body_line);
                    data.push('\n');
                }
                writer.write_all(b"250 queued\r\n").await.expect("queued");
            }
            "QUIT" => {
                writer.write_all(b"221 bye\r\n").await.expect("bye");
                break;
            }
            _ => writer.write_all(b"250 ok\r\n").await.expect("ok"),
        }
    }
    (commands, data)
}

#[tokio::test]
async fn a_message_is_delivered_to_the_smtp_server_with_sender_recipient_and_body() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let sink = tokio::spawn(smtp_sink(listener));
    let settings = MailSettings {
        smtp_url: format!("smtp://127.0.0.1:{port}"),
        from: "Trusted Trader <no-reply@cbp.example>".to_owned(),
    };
    let mailer = SmtpMailer::new(&settings).expect("mailer");
    mailer
        .send(OutgoingEmail {
            to: "new.user@example.com".to_owned(),
            subject: "Your Trusted Trader invitation".to_owned(),
            body: "Choose your password here:\nhttp://127.0.0.1:8080/invitations/abc\n".to_owned(),
        })
        .await
        .expect("sent");
    drop(mailer);
    let (commands, data) =
        tokio::time::timeout(std::time::Duration::from_secs(10), sink).await.expect("in time").expect("sink");
    assert!(
        commands.iter().any(|c| c.to_ascii_uppercase().starts_with("MAIL FROM:<NO-REPLY@CBP.EXAMPLE>")),
        "{commands:?}"
    );
    assert!(
        commands.iter().any(|c| c.to_ascii_uppercase().starts_with("RCPT TO:<NEW.USER@EXAMPLE.COM>")),
        "{commands:?}"
    );
    assert!(data.contains("Subject: Your Trusted Trader invitation"), "{data}");
    assert!(data.contains("/invitations/abc"), "{data}");
}

/// Built inside a runtime, as the binary does: the connection pool lives on it.
#[tokio::test]
async fn a_bad_url_or_sender_is_refused_with_the_setting_named() {
    let bad_url = MailSettings { smtp_url: "carrier-pigeon://coop".to_owned(), ..MailSettings::default() };
    assert!(SmtpMailer::new(&bad_url).err().expect("refused").to_string().contains("mail.smtp_url"));
    let bad_from = MailSettings { smtp_url: "smtp://127.0.0.1:25".to_owned(), from: "not an address".to_owned() };
    assert!(SmtpMailer::new(&bad_from).err().expect("refused").to_string().contains("mail.from"));
}

#[test]
fn the_smtp_password_never_appears_in_debug_output() {
    let settings =
        MailSettings { smtp_url: "smtp://app:hunter2@relay:587?tls=required".to_owned(), ..MailSettings::default() };
    assert!(!format!("{settings:?}").contains("hunter2"));
}
