//! Other machines' devices through llama.cpp's RPC backend (issue 18, part 3): a machine lends
//! its devices with `hearth rpc-server` (llama.cpp's `ggml_backend_rpc_start_server`, as its own
//! `rpc-server` tool), and an engine given their addresses (`ModelSettings::rpc`, `--rpc
//! HOST:PORT,…`) adds them to its device list as `RPC0`, `RPC1`, …; the model's layers are then
//! split over them and the local devices as llama.cpp splits them over GPUs. Both ends are
//! reached through the RPC backend's own registry entry points (`ggml_backend_reg_get_proc_address`),
//! so they work whether the backend is linked in or loaded as a library.
//!
//! The RPC protocol has no authentication: a server must only listen where the machines that
//! use it are (loopback, or a trusted network).

use std::collections::HashSet;
use std::ffi::{c_char, c_void, CString};
use std::sync::Mutex;

use crate::EngineError;

type AddServerFn = unsafe extern "C" fn(endpoint: *const c_char) -> llama_cpp_sys_2::ggml_backend_reg_t;
type StartServerFn = unsafe extern "C" fn(
    endpoint: *const c_char,
    cache_dir: *const c_char,
    n_threads: usize,
    n_devices: usize,
    devices: *mut llama_cpp_sys_2::ggml_backend_dev_t,
);

/// The RPC backend's entry point `name`, or why there is none.
fn entry_point(name: &str) -> Result<*mut c_void, EngineError> {
    crate::loaded_model::backend()?;
    let reg_name = CString::new("RPC").expect("no NUL");
    let fn_name = CString::new(name).expect("no NUL");
    // SAFETY: plain registry lookups with NUL-terminated names.
    let reg = unsafe { llama_cpp_sys_2::ggml_backend_reg_by_name(reg_name.as_ptr()) };
    if reg.is_null() {
        return Err(EngineError::UnknownDevice("this build of llama.cpp has no RPC backend (it is built with GGML_RPC=ON)".into()));
    }
    let f = unsafe { llama_cpp_sys_2::ggml_backend_reg_get_proc_address(reg, fn_name.as_ptr()) };
    if f.is_null() {
        return Err(EngineError::UnknownDevice(format!("llama.cpp's RPC backend lacks {name}")));
    }
    Ok(f)
}

/// `HOST:PORT`, checked before llama.cpp sees it (its parser takes the last colon).
pub fn check_endpoint(endpoint: &str) -> Result<(), EngineError> {
    let bad = || EngineError::BadRequest(format!("{endpoint:?} is not an RPC server's address: write HOST:PORT, e.g. 192.168.1.20:50052"));
    let (host, port) = endpoint.rsplit_once(':').ok_or_else(bad)?;
    if host.is_empty() || port.parse::<u16>().map_or(true, |p| p == 0) {
        return Err(bad());
    }
    Ok(())
}

/// Whether something listens at `endpoint` (within a few seconds).
fn reachable(endpoint: &str) -> Result<(), EngineError> {
    use std::net::ToSocketAddrs;
    let unreachable = |why: String| {
        EngineError::UnknownDevice(format!(
            "the RPC server at {endpoint} did not answer ({why}): start `hearth rpc-server` there (or llama.cpp's rpc-server of the same version), and check the address and the firewall"
        ))
    };
    let addrs: Vec<std::net::SocketAddr> = endpoint.to_socket_addrs().map_err(|e| unreachable(e.to_string()))?.collect();
    let mut last = String::from("no address");
    for addr in addrs {
        match std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(5)) {
            Ok(_) => return Ok(()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(unreachable(last))
}

/// Adds the devices of the RPC servers at `endpoints` to llama.cpp's device list (once each);
/// an unreachable server is an error naming it.
pub fn add_servers(endpoints: &[String]) -> Result<(), EngineError> {
    static ADDED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let endpoints: Vec<&str> = endpoints.iter().map(|e| e.trim()).filter(|e| !e.is_empty()).collect();
    if endpoints.is_empty() {
        return Ok(());
    }
    let add = entry_point("ggml_backend_rpc_add_server")?;
    // SAFETY: the RPC backend's own entry point, with the signature of ggml-rpc.h.
    let add: AddServerFn = unsafe { std::mem::transmute(add) };
    let mut added = ADDED.lock().unwrap_or_else(|e| e.into_inner());
    let added = added.get_or_insert_with(HashSet::new);
    for endpoint in endpoints {
        if added.contains(endpoint) {
            continue;
        }
        check_endpoint(endpoint)?;
        // llama.cpp aborts the process when it cannot connect: try first, and say which server.
        reachable(endpoint)?;
        let c = CString::new(endpoint).map_err(|_| EngineError::BadRequest("an RPC address has a NUL byte".into()))?;
        // SAFETY: a NUL-terminated address; llama.cpp connects and asks for the server's devices.
        let reg = unsafe { add(c.as_ptr()) };
        if reg.is_null() {
            return Err(EngineError::UnknownDevice(format!(
                "the RPC server at {endpoint} lent no device: is it a `hearth rpc-server` (or llama.cpp's rpc-server) of the same version?"
            )));
        }
        // SAFETY: a registry entry the RPC backend made for this server; registered once.
        unsafe { llama_cpp_sys_2::ggml_backend_register(reg) };
        added.insert(endpoint.to_string());
    }
    Ok(())
}

/// Lends this machine's devices named `devices` (all of them when empty: the GPUs, else the CPU)
/// to other engines at `endpoint` (`HOST:PORT`); runs until the process is stopped.
pub fn serve(endpoint: &str, devices: &[String], threads: usize, cache_dir: Option<&std::path::Path>) -> Result<(), EngineError> {
    check_endpoint(endpoint)?;
    let start = entry_point("ggml_backend_rpc_start_server")?;
    // SAFETY: the RPC backend's own entry point, with the signature of ggml-rpc.h.
    let start: StartServerFn = unsafe { std::mem::transmute(start) };
    let mut chosen = Vec::new();
    // SAFETY: reading llama.cpp's device list, which lives as long as the process.
    let count = unsafe { llama_cpp_sys_2::ggml_backend_dev_count() };
    let all: Vec<(llama_cpp_sys_2::ggml_backend_dev_t, String, u32)> = (0..count)
        .map(|i| unsafe {
            let dev = llama_cpp_sys_2::ggml_backend_dev_get(i);
            let name = std::ffi::CStr::from_ptr(llama_cpp_sys_2::ggml_backend_dev_name(dev)).to_string_lossy().into_owned();
            (dev, name, llama_cpp_sys_2::ggml_backend_dev_type(dev))
        })
        .collect();
    let is_cpu = |t: u32| t == llama_cpp_sys_2::GGML_BACKEND_DEVICE_TYPE_CPU;
    let is_rpc = |n: &str| n.starts_with("RPC");
    if devices.iter().all(|d| d.trim().is_empty()) {
        // llama.cpp's rpc-server: every GPU, else the CPU.
        chosen.extend(all.iter().filter(|(_, n, t)| !is_cpu(*t) && !is_rpc(n) && *t != llama_cpp_sys_2::GGML_BACKEND_DEVICE_TYPE_ACCEL).map(|d| d.0));
        if chosen.is_empty() {
            chosen.extend(all.iter().filter(|(_, _, t)| is_cpu(*t)).map(|d| d.0).take(1));
        }
    } else {
        for name in devices.iter().map(|d| d.trim()).filter(|d| !d.is_empty()) {
            let Some(d) = all.iter().find(|(_, n, _)| n.eq_ignore_ascii_case(name)) else {
                let names: Vec<&str> = all.iter().map(|d| d.1.as_str()).collect();
                return Err(EngineError::UnknownDevice(format!("there is no device named {name:?} here; there are: {}", names.join(", "))));
            };
            chosen.push(d.0);
        }
    }
    if chosen.is_empty() {
        return Err(EngineError::UnknownDevice("no device to lend".into()));
    }
    let c_endpoint = CString::new(endpoint).map_err(|_| EngineError::BadRequest("the address has a NUL byte".into()))?;
    let c_cache = cache_dir.map(|d| CString::new(d.display().to_string()).unwrap_or_default());
    // SAFETY: valid C strings and device handles from llama.cpp's own list; returns only when the
    // server cannot listen or accept.
    unsafe { start(c_endpoint.as_ptr(), c_cache.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()), threads, chosen.len(), chosen.as_mut_ptr()) };
    Err(EngineError::Internal(format!("the RPC server stopped: it could not listen on {endpoint} (in use?) or accept a connection")))
}

#[cfg(test)]
mod tests {
    use super::check_endpoint;

    #[test]
    fn an_address_is_host_and_port() {
        assert!(check_endpoint("127.0.0.1:50052").is_ok());
        assert!(check_endpoint("box.local:1").is_ok());
        for bad in ["127.0.0.1", ":50052", "host:", "host:0", "host:99999", "host:port"] {
            assert!(check_endpoint(bad).is_err(), "{bad}");
        }
    }
}
