//! The SMTP mailer against a real SMTP conversation on loopback (the test kit's SMTP sink).

use tt_app::{Mailer, OutgoingEmail};
use tt_mail::{MailSettings, SmtpMailer};
use tt_testkit::smtp::SmtpSink;

#[tokio::test]
async fn a_message_is_delivered_to_the_smtp_server_with_sender_recipient_and_body() {
    let sink = SmtpSink::start().await;
    let settings = MailSettings { smtp_url: sink.url(), from: "Trusted Trader <no-reply@cbp.example>".to_owned() };
    let received = tokio::spawn(sink.receive(1, std::time::Duration::from_secs(10)));
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
    let received = received.await.expect("sink");
    assert_eq!(received.len(), 1, "one message arrived");
    let (commands, data) = (&received[0].commands, &received[0].data);
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
