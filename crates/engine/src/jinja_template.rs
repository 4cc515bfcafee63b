//! A model's own Jinja chat template rendered as Hugging Face transformers renders it
//! (`apply_chat_template`): jinja2 semantics with `trim_blocks` and `lstrip_blocks`, loop
//! controls, `raise_exception`, `strftime_now`, and `tojson` as Python's `json.dumps(...,
//! ensure_ascii=False)` writes it (`", "` and `": "` separators, no HTML escaping). The
//! template's variables are `messages`, `tools`, `add_generation_prompt`, the special tokens and
//! any extra keyword (`reasoning_effort`, `model_identity` …). A template that runs away is
//! stopped by a fuel limit. Checked against jinja2 itself by `tests/template_parity.rs`.
//! Reference: transformers `utils/chat_template_utils.py` (`_compile_jinja_template`).

use std::collections::BTreeMap;

use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error, ErrorKind};
use serde::Serialize;

use crate::EngineError;

/// Instructions a render may take: far more than any real template needs (gpt-oss's with 20
/// tools takes about 200,000), small enough that a runaway loop stops in about a second.
const FUEL: u64 = 50_000_000;

/// What a template is rendered with.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TemplateInput {
    /// `{"role", "content"}` plus what templates read beside them (`thinking`, `tool_calls`).
    pub messages: Vec<serde_json::Value>,
    /// OpenAI-style tool definitions, when the request has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<serde_json::Value>,
    pub add_generation_prompt: bool,
    pub bos_token: String,
    pub eos_token: String,
    /// Extra variables (`reasoning_effort`, `chat_template_kwargs`).
    #[serde(flatten)]
    pub kwargs: BTreeMap<String, serde_json::Value>,
}

/// Renders `source` with `input`; errors carry the template's own message.
pub fn render(source: &str, input: &TemplateInput) -> Result<String, EngineError> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(false);
    env.set_fuel(Some(FUEL));
    minijinja_contrib::add_to_environment(&mut env);
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env.add_function("raise_exception", |msg: String| -> Result<String, Error> { Err(Error::new(ErrorKind::InvalidOperation, msg)) });
    env.add_function("strftime_now", |fmt: String| strftime_now(&fmt));
    env.add_filter("tojson", tojson);
    env.add_template("chat", source).map_err(|e| EngineError::TemplateFailed(format!("the model's chat template does not parse: {e}")))?;
    let tmpl = env.get_template("chat").map_err(|e| EngineError::TemplateFailed(e.to_string()))?;
    tmpl.render(Value::from_serialize(input)).map_err(|e| {
        let message = match e.kind() {
            ErrorKind::OutOfFuel => "the model's template ran too long (a loop that does not end?)".to_string(),
            // raise_exception's own message, as transformers shows it.
            ErrorKind::InvalidOperation => e.detail().unwrap_or("invalid operation").to_string(),
            _ => e.to_string(),
        };
        EngineError::TemplateFailed(message)
    })
}

/// Whether the template reads `name` (e.g. `reasoning_effort`), so a setting for it is offered.
pub fn reads_variable(source: &str, name: &str) -> bool {
    source.contains(name)
}

/// `tojson` as transformers defines it: `json.dumps(x, ensure_ascii=False, indent=indent,
/// separators=separators, sort_keys=sort_keys)`.
fn tojson(value: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    let indent: Option<usize> = kwargs.get("indent")?;
    let sort_keys: Option<bool> = kwargs.get("sort_keys")?;
    kwargs.assert_all_used()?;
    let mut json = serde_json::to_value(value).map_err(|e| Error::new(ErrorKind::InvalidOperation, "cannot serialize to JSON").with_source(e))?;
    if sort_keys == Some(true) {
        sort(&mut json);
    }
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonJson { indent, depth: 0, has_value: false });
    json.serialize(&mut ser).map_err(|e| Error::new(ErrorKind::InvalidOperation, "cannot serialize to JSON").with_source(e))?;
    Ok(Value::from_safe_string(String::from_utf8(out).expect("serde_json writes UTF-8")))
}

fn sort(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = std::mem::take(map).into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, mut v) in entries {
                sort(&mut v);
                map.insert(k, v);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(sort),
        _ => {}
    }
}

/// Python's `json.dumps` layout: `", "` / `": "` without indent; with it, `","` and newlines.
struct PythonJson {
    indent: Option<usize>,
    depth: usize,
    has_value: bool,
}

impl PythonJson {
    fn newline<W: ?Sized + std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        if let Some(n) = self.indent {
            w.write_all(b"\n")?;
            w.write_all(" ".repeat(n * self.depth).as_bytes())?;
        }
        Ok(())
    }
    fn separator<W: ?Sized + std::io::Write>(&self, w: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            w.write_all(if self.indent.is_some() { b"," } else { b", " })?;
        }
        self.newline(w)
    }
}

impl serde_json::ser::Formatter for PythonJson {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.newline(w)?;
        }
        self.has_value = true;
        w.write_all(b"]")
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.separator(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.newline(w)?;
        }
        self.has_value = true;
        w.write_all(b"}")
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.separator(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// `datetime.now().strftime(fmt)` for the directives chat templates use (local time, C locale).
fn strftime_now(fmt: &str) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) as i64;
    let offset = local_offset_seconds();
    strftime(fmt, now + offset)
}

/// Seconds east of UTC, from the C library (the `TZ` the process runs under).
#[cfg(unix)]
fn local_offset_seconds() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) as libc::time_t;
    // SAFETY: localtime_r writes only into `tm`, which lives on this stack frame.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            0
        } else {
            tm.tm_gmtoff
        }
    }
}

/// Windows' C library has neither `localtime_r` nor `tm_gmtoff`: dates in templates are UTC there.
#[cfg(not(unix))]
fn local_offset_seconds() -> i64 {
    0
}

fn strftime(fmt: &str, secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"];
    const MONTHS: [&str; 12] =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    let days = secs.div_euclid(86_400);
    let in_day = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let weekday = DAYS[days.rem_euclid(7) as usize];
    let month = MONTHS[(m - 1) as usize];
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&y.to_string()),
            Some('y') => out.push_str(&format!("{:02}", y.rem_euclid(100))),
            Some('m') => out.push_str(&format!("{m:02}")),
            Some('d') => out.push_str(&format!("{d:02}")),
            Some('e') => out.push_str(&format!("{d:2}")),
            Some('B') => out.push_str(month),
            Some('b') => out.push_str(&month[..3]),
            Some('A') => out.push_str(weekday),
            Some('a') => out.push_str(&weekday[..3]),
            Some('H') => out.push_str(&format!("{:02}", in_day / 3600)),
            Some('M') => out.push_str(&format!("{:02}", in_day / 60 % 60)),
            Some('S') => out.push_str(&format!("{:02}", in_day % 60)),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's algorithm.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(messages: serde_json::Value) -> TemplateInput {
        TemplateInput { messages: serde_json::from_value(messages).unwrap(), add_generation_prompt: true, ..Default::default() }
    }

    #[test]
    fn blocks_are_trimmed_as_transformers_trims_them() {
        let t = "{% for m in messages %}\n  {% if m.role == 'user' %}\nU:{{ m.content }}\n  {% endif %}\n{% endfor %}\n";
        assert_eq!(render(t, &input(json!([{"role": "user", "content": "hi"}]))).unwrap(), "U:hi\n");
    }

    #[test]
    fn tojson_writes_what_pythons_json_dumps_writes() {
        let t = "{{ x | tojson }}|{{ x | tojson(indent=2) }}|{{ x | tojson(sort_keys=true) }}";
        let mut i = input(json!([]));
        i.kwargs.insert("x".into(), json!({"b": [1, 2.5, "é<"], "a": {}}));
        assert_eq!(
            render(t, &i).unwrap(),
            "{\"b\": [1, 2.5, \"é<\"], \"a\": {}}|{\n  \"b\": [\n    1,\n    2.5,\n    \"é<\"\n  ],\n  \"a\": {}\n}|{\"a\": {}, \"b\": [1, 2.5, \"é<\"]}"
        );
    }

    #[test]
    fn raise_exception_shows_the_templates_message() {
        let err = render("{{ raise_exception('Only user and assistant roles are supported!') }}", &input(json!([]))).unwrap_err();
        assert_eq!(err.to_string(), "the chat template failed: Only user and assistant roles are supported!");
    }

    #[test]
    fn a_template_that_runs_away_is_stopped() {
        let started = std::time::Instant::now();
        let err = render("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", &input(json!([]))).unwrap_err();
        assert!(err.to_string().contains("ran too long"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }

    #[test]
    fn loop_controls_work() {
        let t = "{% for i in range(5) %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}";
        assert_eq!(render(t, &input(json!([]))).unwrap(), "012");
    }

    #[test]
    fn strftime_formats_dates() {
        // 2025-11-26 13:05:09 UTC was a Wednesday.
        let secs = 20_418 * 86_400 + 13 * 3600 + 5 * 60 + 9;
        assert_eq!(strftime("%Y-%m-%d %H:%M:%S %A %a %B %b %y %e%%", secs), "2025-11-26 13:05:09 Wednesday Wed November Nov 25 26%");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }
}
