//! A real SMTP conversation on loopback: a minimal server that accepts messages and keeps what
//! it received, so tests read back what the program really sent.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message as received: the envelope commands of its conversation and the data.
#[derive(Debug, Clone, Default)]
pub struct ReceivedMail {
    pub commands: Vec<String>,
    pub data: String,
}

/// A listening SMTP sink.
pub struct SmtpSink {
    listener: TcpListener,
}

impl SmtpSink {
    /// Listens on a free loopback port.
    ///
    /// # Panics
    /// When no port can be bound.
    pub async fn start() -> Self {
        Self { listener: TcpListener::bind("127.0.0.1:0").await.expect("bind an SMTP port") }
    }

    /// `smtp://127.0.0.1:PORT`, for the mail settings.
    ///
    /// # Panics
    /// When the listener has no address.
    #[must_use]
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.listener.local_addr().expect("address").port())
    }

    /// Accepts connections until `expected` messages have arrived (or `timeout` passes) and
    /// returns them in arrival order.
    pub async fn receive(self, expected: usize, timeout: std::time::Duration) -> Vec<ReceivedMail> {
        let mut received = Vec::new();
        let deadline = tokio::time::Instant::now() + timeout;
        while received.len() < expected {
            let Ok(Ok((stream, _))) = tokio::time::timeout_at(deadline, self.listener.accept()).await else { break };
            converse(stream, &mut received).await;
        }
        received
    }
}

/// Speaks just enough SMTP to accept every message of one connection.
async fn converse(stream: TcpStream, received: &mut Vec<ReceivedMail>) {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    if writer.write_all(b"220 sink ESMTP\r\n").await.is_err() {
        return;
    }
    let mut current = ReceivedMail::default();
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        current.commands.push(line.clone());
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250-sink\r\n250 8BITMIME\r\n",
            "DATA" => {
                if writer.write_all(b"354 go ahead\r\n").await.is_err() {
                    return;
                }
                while let Ok(Some(body_line)) = lines.next_line().await {
                    if body_line == "." {
                        break;
                    }
                    current.data.push_str(&body_line);
                    current.data.push('\n');
                }
                received.push(std::mem::take(&mut current));
                b"250 queued\r\n"
            }
            "QUIT" => {
                let _ = writer.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => b"250 ok\r\n",
        };
        if writer.write_all(reply).await.is_err() {
            return;
        }
    }
}
