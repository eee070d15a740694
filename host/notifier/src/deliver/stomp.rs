//! STOMP 1.2 delivery (RabbitMQ's STOMP plugin, ActiveMQ, Artemis), as Clair's notifier
//! does it: per delivery, dial the first broker of `uris` that answers, CONNECT, SEND
//! (with a receipt) or, `direct`, BEGIN / SEND… / COMMIT (with a receipt), DISCONNECT.
//! Success is the broker's RECEIPT, so it has the message(s).

use futures::future::BoxFuture;
use scry_config::{HostPort, Stomp, StompLogin};
use scry_model::Notification;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};
use uuid::Uuid;

use super::stomp_frame::{Frame, StompStream};
use super::{Deliverer, DeliveryError, STEP_TIMEOUT, callback_body, check_callback, rollup_bodies};

/// Sends to a STOMP destination over plain TCP.
pub struct StompDeliverer {
    brokers: Vec<HostPort>,
    destination: String,
    callback: String,
    direct: bool,
    rollup: i64,
    login: Option<StompLogin>,
}

/// A failed step of one delivery, before the broker's address is put in front.
type StepResult<T> = Result<T, String>;

impl StompDeliverer {
    /// Checks `notifier.stomp`. TLS (`notifier.stomp.tls`) is not supported yet.
    pub fn new(stomp: &Stomp) -> Result<StompDeliverer, String> {
        if stomp.uris.is_empty() {
            return Err("notifier.stomp.uris: at least one broker host:port is required".into());
        }
        let mut brokers = Vec::new();
        for uri in &stomp.uris {
            let broker = uri
                .parse::<HostPort>()
                .ok()
                .filter(|b| !b.host().is_empty())
                .ok_or_else(|| format!("notifier.stomp.uris: {uri:?} is not host:port"))?;
            brokers.push(broker);
        }
        if stomp.destination.is_empty() {
            return Err("notifier.stomp.destination: required".into());
        }
        check_callback("notifier.stomp.callback", &stomp.callback, stomp.direct)?;
        if stomp.tls.is_some() {
            return Err(
                "notifier.stomp.tls: TLS to STOMP brokers is not supported yet; use a plain-TCP listener"
                    .into(),
            );
        }
        Ok(StompDeliverer {
            brokers,
            destination: stomp.destination.clone(),
            callback: stomp.callback.clone(),
            direct: stomp.direct,
            rollup: stomp.rollup,
            login: stomp.user.clone(),
        })
    }

    async fn deliver_set(
        &self,
        id: Uuid,
        notifications: &[Notification],
    ) -> Result<(), DeliveryError> {
        let (broker, tcp) = self.dial().await?;
        let mut stream = StompStream::new(tcp);
        let result = self.session(&mut stream, &broker, id, notifications).await;
        stream.shutdown().await;
        result
            .map_err(|message| DeliveryError(format!("stomp {}: {message}", broker_name(&broker))))
    }

    /// The first broker that accepts a TCP connection within the step timeout.
    async fn dial(&self) -> Result<(HostPort, TcpStream), DeliveryError> {
        let mut failures = Vec::new();
        for broker in &self.brokers {
            let name = broker_name(broker);
            match timeout(STEP_TIMEOUT, TcpStream::connect(broker.bind_address())).await {
                Ok(Ok(tcp)) => return Ok((broker.clone(), tcp)),
                Ok(Err(err)) => failures.push(format!("{name}: {err}")),
                Err(_) => failures.push(format!("{name}: no answer in {STEP_TIMEOUT:?}")),
            }
        }
        Err(DeliveryError(format!(
            "stomp: no broker reachable: {}",
            failures.join("; ")
        )))
    }

    async fn session(
        &self,
        stream: &mut StompStream<TcpStream>,
        broker: &HostPort,
        id: Uuid,
        notifications: &[Notification],
    ) -> StepResult<()> {
        // `host` is the broker's host part, as Clair sends it (RabbitMQ reads it as the
        // virtual host). Heart-beats off: a delivery is over in seconds.
        let mut connect = Frame::new("CONNECT")
            .header("accept-version", "1.2")
            .header("host", broker.host())
            .header("heart-beat", "0,0");
        // Deliberate difference: Clair parses `user` but never sends it; we log in with it.
        if let Some(login) = &self.login {
            connect = connect
                .header("login", login.login.clone())
                .header("passcode", login.passcode.clone());
        }
        send(stream, &connect).await?;
        let answer = stream
            .receive(STEP_TIMEOUT)
            .await
            .map_err(|err| format!("waiting for CONNECTED: {err}"))?;
        match answer.command.as_str() {
            "CONNECTED" => {}
            "ERROR" => return Err(format!("CONNECT refused: {}", answer.error_text())),
            other => return Err(format!("expected CONNECTED, got {other}")),
        }
        let result = if self.direct {
            self.send_direct(stream, id, notifications).await
        } else {
            let receipt = format!("scry-{id}");
            let message = self
                .message(callback_body(&self.callback, id))
                .header("receipt", receipt.clone());
            send(stream, &message).await?;
            wait_for_receipt(stream, &receipt).await
        };
        if result.is_ok() {
            let _ = stream.send(&Frame::new("DISCONNECT"), STEP_TIMEOUT).await;
        }
        result
    }

    /// BEGIN, one SEND per rollup, COMMIT with a receipt; ABORT when anything fails.
    async fn send_direct(
        &self,
        stream: &mut StompStream<TcpStream>,
        id: Uuid,
        notifications: &[Notification],
    ) -> StepResult<()> {
        let transaction = format!("scry-{id}");
        send(
            stream,
            &Frame::new("BEGIN").header("transaction", transaction.clone()),
        )
        .await?;
        let receipt = format!("scry-{id}-commit");
        let sent = async {
            for body in rollup_bodies(notifications, self.rollup) {
                let message = self
                    .message(body)
                    .header("transaction", transaction.clone());
                send(stream, &message).await?;
            }
            let commit = Frame::new("COMMIT")
                .header("transaction", transaction.clone())
                .header("receipt", receipt.clone());
            send(stream, &commit).await?;
            wait_for_receipt(stream, &receipt).await
        }
        .await;
        if let Err(err) = sent {
            // Best effort: after an ERROR the broker has closed the connection anyway, and
            // an uncommitted transaction dies with it.
            let abort = Frame::new("ABORT").header("transaction", transaction);
            let _ = stream.send(&abort, STEP_TIMEOUT).await;
            return Err(format!("{err} (transaction aborted)"));
        }
        Ok(())
    }

    /// A SEND of a JSON `body` to the destination.
    fn message(&self, body: Vec<u8>) -> Frame {
        Frame::new("SEND")
            .header("destination", self.destination.clone())
            .header("content-type", "application/json")
            .body(body)
    }
}

async fn send(stream: &mut StompStream<TcpStream>, frame: &Frame) -> StepResult<()> {
    stream
        .send(frame, STEP_TIMEOUT)
        .await
        .map_err(|err| format!("sending {}: {err}", frame.command))
}

/// Reads until the RECEIPT for `receipt` (other frames are skipped), an ERROR, or the
/// step timeout.
async fn wait_for_receipt(stream: &mut StompStream<TcpStream>, receipt: &str) -> StepResult<()> {
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = stream
            .receive(left)
            .await
            .map_err(|err| format!("waiting for RECEIPT {receipt}: {err}"))?;
        match frame.command.as_str() {
            "RECEIPT" if frame.get("receipt-id") == Some(receipt) => return Ok(()),
            "ERROR" => return Err(format!("broker ERROR: {}", frame.error_text())),
            _ => {}
        }
    }
}

/// `host:port` as written, for messages.
fn broker_name(broker: &HostPort) -> String {
    broker.bind_address()
}

impl Deliverer for StompDeliverer {
    fn name(&self) -> &'static str {
        "stomp"
    }

    fn direct(&self) -> bool {
        self.direct
    }

    fn deliver<'a>(
        &'a self,
        id: Uuid,
        notifications: &'a [Notification],
    ) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.deliver_set(id, notifications))
    }
}
