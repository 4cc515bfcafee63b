//! One app per home. The first app started on a `HEARTH_HOME` holds `app.lock` there and listens
//! on a loopback port it writes to `app.port`; a second launch on the same home finds the lock
//! taken, asks the first to bring its window forward, and exits. (tauri-plugin-single-instance
//! keys instances by the app's identifier over D-Bus: two homes — profiles, tests — could not
//! run side by side, and a session without a bus would get two apps writing one database.)
//! `hearth` CLI commands are not apps: they share the home as before (`claim_home`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hearth_store::HearthHome;
use parking_lot::Mutex;

type FocusCallback = Box<dyn Fn() + Send + Sync>;

/// What a launch found.
pub enum AppInstance {
    /// This is the home's app; keep the value alive while the app runs.
    First(FirstApp),
    /// Another app runs on this home; the sentence says what was done about it.
    AlreadyRunning(String),
}

/// The home's app: holds the lock and answers later launches.
pub struct FirstApp {
    _lock: std::fs::File,
    on_focus: Arc<Mutex<Option<FocusCallback>>>,
    closing: Arc<AtomicBool>,
}

impl FirstApp {
    /// What to do when a later launch asks for the window (called on a thread of its own).
    pub fn on_focus_request(&self, callback: impl Fn() + Send + Sync + 'static) {
        *self.on_focus.lock() = Some(Box::new(callback));
    }

    /// The app is quitting: a launch now waits for it to finish and becomes the home's app,
    /// instead of focusing a window about to close.
    pub fn closing(&self) {
        self.closing.store(true, Ordering::SeqCst);
    }
}

const REQUEST: &[u8] = b"focus\n";
const REPLY: &str = "hearth";
const CLOSING: &str = "closing";

/// Claims `home` for this app, or asks the app that has it to show its window.
pub fn claim_app_instance(home: &HearthHome) -> std::io::Result<AppInstance> {
    std::fs::create_dir_all(home.root())?;
    let lock = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(home.root().join("app.lock"))?;
    let port_file = home.root().join("app.port");
    let closing_deadline = Instant::now() + Duration::from_secs(30);
    while lock.try_lock().is_err() {
        match ask_to_focus(&port_file, home) {
            Asked::Focused(said) | Asked::Silent(said) => return Ok(AppInstance::AlreadyRunning(said)),
            Asked::Closing if Instant::now() < closing_deadline => std::thread::sleep(Duration::from_millis(100)),
            Asked::Closing => {
                return Ok(AppInstance::AlreadyRunning(format!("Hearth on {} is still quitting; try again in a moment", home.root().display())))
            }
        }
    }
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    std::fs::write(&port_file, listener.local_addr()?.port().to_string())?;
    let on_focus: Arc<Mutex<Option<FocusCallback>>> = Arc::default();
    let closing = Arc::new(AtomicBool::new(false));
    let (callback, quitting) = (on_focus.clone(), closing.clone());
    std::thread::Builder::new().name("app-instance".into()).spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
            let mut line = String::new();
            // Bounded: whatever connects gets 16 bytes of attention.
            if BufReader::new((&stream).take(16)).read_line(&mut line).is_ok() && line.as_bytes() == REQUEST {
                if quitting.load(Ordering::SeqCst) {
                    let _ = (&stream).write_all(format!("{CLOSING}\n").as_bytes());
                    continue;
                }
                if let Some(focus) = callback.lock().as_ref() {
                    focus();
                }
                let _ = (&stream).write_all(format!("{REPLY}\n").as_bytes());
            }
        }
    })?;
    Ok(AppInstance::First(FirstApp { _lock: lock, on_focus, closing }))
}

/// A later launch: the first app may still be starting (the lock taken, the port not yet
/// written), so it is tried for a few seconds.
enum Asked {
    Focused(String),
    Closing,
    Silent(String),
}

fn ask_to_focus(port_file: &std::path::Path, home: &HearthHome) -> Asked {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(port) = std::fs::read_to_string(port_file).ok().and_then(|p| p.trim().parse::<u16>().ok()) {
            match request_focus(port).as_deref() {
                Ok(REPLY) => {
                    return Asked::Focused(format!("Hearth is already running on {}: its window was brought to the front", home.root().display()))
                }
                Ok(CLOSING) => return Asked::Closing,
                _ => {}
            }
        }
        if Instant::now() >= deadline {
            return Asked::Silent(format!(
                "Hearth is already running on {} (it did not answer; it may be starting or stopping)",
                home.root().display()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The first app's answer: `hearth` (focused) or `closing`.
fn request_focus(port: u16) -> std::io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)), Duration::from_secs(1))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.write_all(REQUEST)?;
    let mut reply = String::new();
    BufReader::new(stream.take(16)).read_line(&mut reply)?;
    Ok(reply.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn a_second_launch_on_a_home_focuses_the_first_and_another_home_runs_beside_it() {
        let home = tempfile::tempdir().unwrap();
        let home = HearthHome::at(home.path());
        let AppInstance::First(first) = claim_app_instance(&home).unwrap() else { panic!("the first launch is the app") };
        let focused = Arc::new(AtomicUsize::new(0));
        let seen = focused.clone();
        first.on_focus_request(move || {
            seen.fetch_add(1, Ordering::SeqCst);
        });

        let AppInstance::AlreadyRunning(said) = claim_app_instance(&home).unwrap() else { panic!("two apps on one home") };
        assert!(said.contains("brought to the front"), "{said}");
        assert_eq!(focused.load(Ordering::SeqCst), 1);

        let other = tempfile::tempdir().unwrap();
        assert!(matches!(claim_app_instance(&HearthHome::at(other.path())).unwrap(), AppInstance::First(_)), "another home is another app");

        // A launch while the first app quits waits for it and becomes the home's app.
        first.closing();
        let quitter = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(500));
            drop(first);
        });
        assert!(matches!(claim_app_instance(&home).unwrap(), AppInstance::First(_)));
        quitter.join().unwrap();
        assert_eq!(focused.load(Ordering::SeqCst), 1, "a closing app is not asked to focus");
    }
}
