//! The CPU backend's worker threads, kept for the model's lifetime as llama.cpp's own tools keep
//! them (`common_threadpools`: llama-server, llama-cli, llama-bench). Without one attached, ggml
//! starts a disposable pool for every graph it computes: `threads - 1` threads created and joined
//! on each `llama_decode`, every step of every answer (2 threads, SmolLM2 on the 2-core VM:
//! generation 4-8 % faster with the pool, bench/RESULTS.md). Its workers poll for the next
//! graph where the CPU computes the model, and sleep between graphs where every layer is on a GPU
//! (`loaded_model.rs`).
//!
//! The pool comes from the CPU backend's registry entry (`ggml_threadpool_new` looked up by name),
//! as llama.cpp's `common` does it, because with backends loaded at run time (the package) the
//! CPU backend is a library of its own, not linked into `hearth`.

use std::ffi::{c_void, CStr};

use llama_cpp_2::context::LlamaContext;
use llama_cpp_sys_2::{ggml_threadpool, ggml_threadpool_params, llama_context};

type NewFn = unsafe extern "C" fn(params: *mut ggml_threadpool_params) -> *mut ggml_threadpool;
type FreeFn = unsafe extern "C" fn(pool: *mut ggml_threadpool);

/// A ggml thread pool; freed on drop, after the contexts attached to it (their owner declares it
/// last).
pub(crate) struct ThreadPool {
    pool: *mut ggml_threadpool,
    free: FreeFn,
}

// SAFETY: the pool is only handed to llama.cpp through contexts, which one thread drives at a
// time; ggml's pool is driven from whichever thread calls compute.
unsafe impl Send for ThreadPool {}

impl ThreadPool {
    /// Starts a pool of `threads` workers (the computing thread being one). With `poll`, workers
    /// spin a while after each graph for the next one (ggml's default, llama.cpp's `--poll 50`),
    /// which saves waking them where the CPU computes every step; without, they sleep at once.
    /// None where there is no CPU backend, or it does not offer pools: ggml's disposable pool per
    /// graph is then what runs, as before.
    pub(crate) fn start(threads: u32, poll: bool) -> Option<Self> {
        // SAFETY: plain lookups in ggml's backend registry, with NUL-terminated names; the
        // functions found are ggml's own, with these signatures (ggml-cpu.h).
        let (new, free) = unsafe {
            let cpu = llama_cpp_sys_2::ggml_backend_dev_by_type(llama_cpp_sys_2::GGML_BACKEND_DEVICE_TYPE_CPU);
            if cpu.is_null() {
                return None;
            }
            let reg = llama_cpp_sys_2::ggml_backend_dev_backend_reg(cpu);
            let lookup = |name: &CStr| llama_cpp_sys_2::ggml_backend_reg_get_proc_address(reg, name.as_ptr());
            let (new, free) = (lookup(c"ggml_threadpool_new"), lookup(c"ggml_threadpool_free"));
            if new.is_null() || free.is_null() {
                return None;
            }
            (std::mem::transmute::<*mut c_void, NewFn>(new), std::mem::transmute::<*mut c_void, FreeFn>(free))
        };
        // SAFETY: `params` is filled in by ggml; a null result (threads not started) is handled.
        let pool = unsafe {
            let mut params = llama_cpp_sys_2::ggml_threadpool_params_default(threads.max(1) as i32);
            if !poll {
                params.poll = 0;
            }
            new(&mut params)
        };
        (!pool.is_null()).then_some(Self { pool, free })
    }

    /// Lets `ctx` compute with this pool, prompts and generation alike; false where the context
    /// could not be reached (it then keeps ggml's pool per graph). Contexts that share a pool
    /// must not compute at the same time (the engine drives its contexts from one thread).
    pub(crate) fn attach_to(&self, ctx: &LlamaContext<'_>) -> bool {
        let Some(raw) = raw_context(ctx) else { return false };
        // SAFETY: `raw` is the live context behind `ctx`; the pool outlives the context's use of
        // it (its owner declares the pool after the contexts, so it is freed last).
        unsafe { llama_cpp_sys_2::llama_attach_threadpool(raw, self.pool, std::ptr::null_mut()) };
        true
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // SAFETY: made by ggml's constructor above and freed once, after the contexts using it.
        unsafe { (self.free)(self.pool) }
    }
}

/// The llama.cpp context behind `ctx`. llama-cpp-2 (pinned at 0.1.160 in the workspace) has no
/// accessor for it, but its `Debug` shows exactly that pointer (`LlamaContext { context: 0x… }`).
/// None if that form ever changes (`thread_pool_reaches_the_context` fails then), and the pointer
/// is checked against the context size the wrapper reports through its own copy.
fn raw_context(ctx: &LlamaContext<'_>) -> Option<*mut llama_context> {
    let shown = format!("{ctx:?}");
    let hex = shown.strip_prefix("LlamaContext { context: 0x")?.strip_suffix(" }")?;
    let raw = usize::from_str_radix(hex, 16).ok()? as *mut llama_context;
    // SAFETY: the address the wrapper holds for this live context (see above).
    (!raw.is_null() && unsafe { llama_cpp_sys_2::llama_n_ctx(raw) } == ctx.n_ctx()).then_some(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use llama_cpp_2::context::params::LlamaContextParams;
    use llama_cpp_2::llama_batch::LlamaBatch;
    use llama_cpp_2::model::params::LlamaModelParams;
    use llama_cpp_2::model::LlamaModel;

    fn demo_model() -> std::path::PathBuf {
        std::env::var_os("HEARTH_TEST_MODEL")
            .map(Into::into)
            .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    }

    /// Pins how the context is reached: an upgrade of llama-cpp-2 that changes its `Debug` would
    /// otherwise put every decode back on a pool made per graph, silently.
    #[test]
    fn thread_pool_reaches_the_context_and_computes_with_it() {
        let backend = crate::loaded_model::backend().unwrap();
        let model = LlamaModel::load_from_file(backend, demo_model(), &LlamaModelParams::default()).unwrap();
        let params = LlamaContextParams::default().with_n_ctx(std::num::NonZeroU32::new(256)).with_n_threads(2).with_n_threads_batch(2);
        let mut ctx = model.new_context(backend, params).unwrap();
        let tokens = model.vocab().tokenize(b"The sea is", true, false);
        let mut batch = LlamaBatch::new(64, 1);
        batch.add_sequence(&tokens, 0, false).unwrap();
        // Both outlive the context's use of them (dropped after it).
        let pools = [true, false].map(|poll| ThreadPool::start(2, poll).expect("the CPU backend offers thread pools"));
        let mut logits = Vec::new();
        for pool in &pools {
            assert!(pool.attach_to(&ctx), "the context behind {ctx:?} was not reached");
            ctx.clear_kv_cache();
            ctx.decode(&mut batch).unwrap();
            logits.push(ctx.get_logits_ith(batch.n_tokens() - 1).to_vec());
        }
        assert!(logits[0].iter().all(|l| l.is_finite()));
        assert_eq!(logits[0], logits[1], "a sleeping pool computes what a polling one does");
        drop(ctx);
        drop(pools);
    }
}
