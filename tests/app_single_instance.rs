//! Issue 17: one app per home. The real app binary (not the mock runtime: the claim happens
//! before Tauri starts) on an X server of its own: a second launch on the same home asks the
//! first for its window and exits at once, the first keeps running; another home gets an app of
//! its own; once the first has quit, a launch is the home's app again.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An X server for these windows alone, stopped when dropped.
struct Display(Child, String);

impl Display {
    fn start() -> Display {
        let number = 90 + std::process::id() % 400;
        let child = Command::new("Xvfb")
            .args([format!(":{number}").as_str(), "-screen", "0", "1024x768x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb runs (scripts/setup.sh installs xvfb)");
        let socket = format!("/tmp/.X11-unix/X{number}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !Path::new(&socket).exists() {
            assert!(Instant::now() < deadline, "Xvfb :{number} did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Display(child, format!(":{number}"))
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct App(Child);

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn launch(display: &Display, home: &Path) -> App {
    App(Command::new(env!("CARGO_BIN_EXE_hearth-app"))
        .env("DISPLAY", &display.1)
        .env("HEARTH_HOME", home)
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap())
}

/// Waits until `app` holds its home (it wrote the port later launches call).
fn wait_until_first(app: &mut App, home: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !home.join("app.port").exists() {
        assert!(app.0.try_wait().unwrap().is_none(), "the app exited before it held its home");
        assert!(Instant::now() < deadline, "the app did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn finishes_within(app: &mut App, limit: Duration) -> (std::process::ExitStatus, String) {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = app.0.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(app.0.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            return (status, stderr);
        }
        assert!(Instant::now() < deadline, "the launch did not finish within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_second_launch_on_a_home_brings_the_first_forward_and_exits() {
    let display = Display::start();
    let home = tempfile::tempdir().unwrap();
    let mut first = launch(&display, home.path());
    wait_until_first(&mut first, home.path());

    let mut second = launch(&display, home.path());
    let (status, said) = finishes_within(&mut second, Duration::from_secs(10));
    assert!(status.success(), "{status}: {said}");
    assert!(said.contains("already running") && said.contains("brought to the front"), "{said}");
    assert!(first.0.try_wait().unwrap().is_none(), "the first app is still running");

    let other = tempfile::tempdir().unwrap();
    let mut beside = launch(&display, other.path());
    wait_until_first(&mut beside, other.path());
    drop(beside);

    drop(first);
    std::fs::remove_file(home.path().join("app.port")).unwrap();
    let mut again = launch(&display, home.path());
    wait_until_first(&mut again, home.path());
}
