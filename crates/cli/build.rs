//! With llama.cpp as shared libraries (feature `dynamic-link`, the package), `hearth` finds them
//! where the package installs them (`/usr/lib/Hearth/llama` beside `/usr/bin/hearth`) or beside
//! itself, without LD_LIBRARY_PATH.

fn main() {
    if std::env::var_os("CARGO_FEATURE_DYNAMIC_LINK").is_some() && std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo::rustc-link-arg-bins=-Wl,-rpath,$ORIGIN/../lib/Hearth/llama:$ORIGIN");
    }
}
