//! Event channels that outlive their command: a broadcast from the core forwarded to the UI
//! until the page closes.

use tauri::ipc::{Channel, IpcResponse};
use tokio::sync::broadcast::{error::RecvError, Receiver};

/// Forwards every item of `source` (nothing when there is none) until `channel` stops accepting.
pub fn forward<T: IpcResponse + Clone + Send + 'static>(source: Option<Receiver<T>>, channel: Channel<T>) -> hearth_core::Result<()> {
    let Some(mut source) = source else { return Ok(()) };
    tauri::async_runtime::spawn(async move {
        loop {
            match source.recv().await {
                Ok(item) => {
                    if channel.send(item).is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => break,
            }
        }
    });
    Ok(())
}
