//! The GGUF parser. Every count and length read from the file is checked against the bytes the
//! file really has, so damaged input ends in a [`GgufError`], never in a huge allocation or a
//! read past the end. A count that fits the file's size still allocates only as entries are
//! really read (a sparse file can claim billions of tensors in bytes it does not hold), and
//! strings have a cap of their own.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use crate::{GgmlType, GgufError};

/// Arrays longer than this keep only their length (tokenizer vocabularies have 50k-260k entries).
const KEPT_ARRAY_LEN: u64 = 64;
const MAX_DIMS: u32 = 4;
/// No metadata string is longer (the largest real ones, chat templates, are tens of KiB).
pub const MAX_STRING_LEN: u64 = 16 << 20;
/// Entries reserved ahead of reading them: the rest grow as they are really read.
const RESERVE_AHEAD: u64 = 4096;

/// A metadata value. Long arrays keep only their element type and length.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum MetaValue {
    Int(i64),
    Float(f64),
    Bool(bool),
    String(String),
    Array(Vec<MetaValue>),
    LongArray { element_type: u32, len: u64 },
}

impl MetaValue {
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            MetaValue::Int(v) if *v >= 0 => Some(*v as u64),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            MetaValue::Float(v) => Some(*v),
            MetaValue::Int(v) => Some(*v as f64),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            MetaValue::String(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    pub name: String,
    pub dims: Vec<u64>,
    pub ggml_type: GgmlType,
    /// Offset of the data from the start of the data section.
    pub offset: u64,
    pub elements: u64,
    pub bytes: u64,
}

/// A validated GGUF file: header, metadata and tensor table.
#[derive(Debug, Clone)]
pub struct GgufFile {
    pub version: u32,
    pub file_size: u64,
    pub metadata: BTreeMap<String, MetaValue>,
    pub tensors: Vec<TensorInfo>,
    pub data_offset: u64,
    /// 1, or the number of shards merged by [`GgufFile::open_model`].
    pub shard_count: u32,
}

struct Cursor<R> {
    inner: R,
    pos: u64,
    len: u64,
}

impl<R: Read> Cursor<R> {
    fn need(&self, n: u64, what: &str) -> Result<(), GgufError> {
        if self.pos.checked_add(n).is_none_or(|end| end > self.len) {
            return Err(GgufError::Truncated(format!("{what} needs {n} bytes at offset {} but the file has {} bytes", self.pos, self.len)));
        }
        Ok(())
    }

    fn bytes<const N: usize>(&mut self, what: &str) -> Result<[u8; N], GgufError> {
        self.need(N as u64, what)?;
        let mut buf = [0u8; N];
        self.inner.read_exact(&mut buf).map_err(|e| GgufError::Truncated(format!("{what}: {e}")))?;
        self.pos += N as u64;
        Ok(buf)
    }

    fn u32(&mut self, what: &str) -> Result<u32, GgufError> {
        Ok(u32::from_le_bytes(self.bytes::<4>(what)?))
    }
    fn u64(&mut self, what: &str) -> Result<u64, GgufError> {
        Ok(u64::from_le_bytes(self.bytes::<8>(what)?))
    }

    fn string(&mut self, what: &str) -> Result<String, GgufError> {
        let len = self.u64(what)?;
        self.need(len, what)?;
        if len > MAX_STRING_LEN {
            return Err(GgufError::Corrupt(format!("{what}: a string of {len} bytes (at most {MAX_STRING_LEN})")));
        }
        // Read, not reserved: a reader that holds fewer bytes than the file claims (a remote
        // header's first megabytes) grows the buffer only by what it really has.
        let mut buf = Vec::new();
        (&mut self.inner).take(len).read_to_end(&mut buf).map_err(|e| GgufError::Truncated(format!("{what}: {e}")))?;
        if (buf.len() as u64) < len {
            return Err(GgufError::Truncated(format!("{what} needs {len} bytes at offset {} but only {} were there", self.pos, buf.len())));
        }
        self.pos += len;
        String::from_utf8(buf).map_err(|_| GgufError::Corrupt(format!("{what} is not UTF-8")))
    }

    fn skip(&mut self, n: u64, what: &str) -> Result<(), GgufError> {
        self.need(n, what)?;
        std::io::copy(&mut (&mut self.inner).take(n), &mut std::io::sink()).map_err(|e| GgufError::Truncated(format!("{what}: {e}")))?;
        self.pos += n;
        Ok(())
    }

    fn value(&mut self, ty: u32, key: &str, depth: u8) -> Result<MetaValue, GgufError> {
        Ok(match ty {
            0 => MetaValue::Int(self.bytes::<1>(key)?[0] as i64),
            1 => MetaValue::Int(self.bytes::<1>(key)?[0] as i8 as i64),
            2 => MetaValue::Int(u16::from_le_bytes(self.bytes::<2>(key)?) as i64),
            3 => MetaValue::Int(i16::from_le_bytes(self.bytes::<2>(key)?) as i64),
            4 => MetaValue::Int(self.u32(key)? as i64),
            5 => MetaValue::Int(i32::from_le_bytes(self.bytes::<4>(key)?) as i64),
            6 => MetaValue::Float(f32::from_le_bytes(self.bytes::<4>(key)?) as f64),
            7 => MetaValue::Bool(self.bytes::<1>(key)?[0] != 0),
            8 => MetaValue::String(self.string(key)?),
            9 => {
                if depth > 0 {
                    return Err(GgufError::Corrupt(format!("{key}: nested arrays")));
                }
                let elem = self.u32(key)?;
                let len = self.u64(key)?;
                // Every element takes at least one byte: a longer array cannot be in the file.
                self.need(len, key)?;
                if len > KEPT_ARRAY_LEN {
                    for _ in 0..len {
                        self.skip_value(elem, key)?;
                    }
                    MetaValue::LongArray { element_type: elem, len }
                } else {
                    let mut items = Vec::with_capacity(len as usize);
                    for _ in 0..len {
                        items.push(self.value(elem, key, depth + 1)?);
                    }
                    MetaValue::Array(items)
                }
            }
            10 => MetaValue::Int(self.u64(key)? as i64),
            11 => MetaValue::Int(i64::from_le_bytes(self.bytes::<8>(key)?)),
            12 => MetaValue::Float(f64::from_le_bytes(self.bytes::<8>(key)?)),
            other => return Err(GgufError::Corrupt(format!("{key}: unknown value type {other}"))),
        })
    }

    fn skip_value(&mut self, ty: u32, key: &str) -> Result<(), GgufError> {
        let fixed = match ty {
            0 | 1 | 7 => 1,
            2 | 3 => 2,
            4..=6 => 4,
            10..=12 => 8,
            8 => {
                let len = self.u64(key)?;
                return self.skip(len, key);
            }
            _ => return Err(GgufError::Corrupt(format!("{key}: bad array element type {ty}"))),
        };
        self.skip(fixed, key)
    }
}

/// The string arrays stored under `keys` (e.g. `tokenizer.ggml.tokens`, `tokenizer.ggml.merges`),
/// read whole: `GgufFile` keeps only the length of long arrays. Keys absent from the file, or not
/// arrays of strings, are absent from the map.
pub fn read_string_arrays(path: &Path, keys: &[&str]) -> Result<BTreeMap<String, Vec<String>>, GgufError> {
    let io = |source| GgufError::Io { path: path.display().to_string(), source };
    let mut file = File::open(path).map_err(io)?;
    let len = file.seek(SeekFrom::End(0)).map_err(io)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut c = Cursor { inner: BufReader::with_capacity(1 << 20, file), pos: 0, len };
    if len < 4 || &c.bytes::<4>("magic")? != b"GGUF" {
        return Err(GgufError::NotGguf);
    }
    let version = c.u32("version")?;
    if !(2..=3).contains(&version) {
        return Err(GgufError::UnsupportedVersion(version));
    }
    let _tensor_count = c.u64("tensor count")?;
    let kv_count = c.u64("metadata count")?;
    if kv_count > len / 13 {
        return Err(GgufError::Corrupt(format!("{kv_count} metadata entries cannot fit in {len} bytes")));
    }
    let mut found = BTreeMap::new();
    for i in 0..kv_count {
        let key = c.string(&format!("metadata key {i}"))?;
        let ty = c.u32(&key)?;
        if ty == 9 && keys.contains(&key.as_str()) {
            let elem = c.u32(&key)?;
            let n = c.u64(&key)?;
            c.need(n, &key)?;
            if elem == 8 {
                let mut items = Vec::with_capacity(n.min(RESERVE_AHEAD) as usize);
                for _ in 0..n {
                    items.push(c.string(&key)?);
                }
                found.insert(key, items);
            } else {
                for _ in 0..n {
                    c.skip_value(elem, &key)?;
                }
            }
        } else {
            c.value(ty, &key, 0)?;
        }
        if found.len() == keys.len() {
            break;
        }
    }
    Ok(found)
}

impl GgufFile {
    /// Reads and validates `path`. Reads the header only, never the weights.
    pub fn open(path: &Path) -> Result<GgufFile, GgufError> {
        let io = |source| GgufError::Io { path: path.display().to_string(), source };
        let kind = std::fs::metadata(path).map_err(io)?.file_type();
        if !kind.is_file() {
            let what = if kind.is_dir() { "a folder" } else { "a special file (a pipe or a device)" };
            return Err(GgufError::NotAFile { path: path.display().to_string(), what });
        }
        let mut file = File::open(path).map_err(io)?;
        let len = file.seek(SeekFrom::End(0)).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        Self::parse(BufReader::with_capacity(1 << 20, file), len)
    }

    /// Parses a GGUF from any reader whose total length is `len` bytes.
    pub fn parse(reader: impl Read, len: u64) -> Result<GgufFile, GgufError> {
        let mut c = Cursor { inner: reader, pos: 0, len };
        if len < 4 || &c.bytes::<4>("magic")? != b"GGUF" {
            return Err(GgufError::NotGguf);
        }
        let version = c.u32("version")?;
        if !(2..=3).contains(&version) {
            return Err(GgufError::UnsupportedVersion(version));
        }
        let tensor_count = c.u64("tensor count")?;
        let kv_count = c.u64("metadata count")?;
        // A tensor entry is at least 24 bytes, a key-value entry at least 13: bound the counts
        // by the file size before looping over them.
        if tensor_count > len / 24 || kv_count > len / 13 {
            return Err(GgufError::Corrupt(format!("{tensor_count} tensors and {kv_count} metadata entries cannot fit in {len} bytes")));
        }

        let mut metadata = BTreeMap::new();
        for i in 0..kv_count {
            let key = c.string(&format!("metadata key {i}"))?;
            // As llama.cpp's own reader: a key is named and said once. (Without this, a sparse
            // file's zero bytes read as the same empty key billions of times.)
            if key.is_empty() || metadata.contains_key(&key) {
                return Err(GgufError::Corrupt(format!("metadata entry {i} has an empty or repeated key {key:?}")));
            }
            let ty = c.u32(&key)?;
            let value = c.value(ty, &key, 0)?;
            metadata.insert(key, value);
        }

        // Regression: `with_capacity(tensor_count)` for a sparse 200 GB file claiming as many
        // tensors as its size allows asked for a terabyte and aborted the process.
        let mut tensors = Vec::with_capacity(tensor_count.min(RESERVE_AHEAD) as usize);
        for i in 0..tensor_count {
            let name = c.string(&format!("tensor {i} name"))?;
            let n_dims = c.u32(&name)?;
            if n_dims == 0 || n_dims > MAX_DIMS {
                return Err(GgufError::Corrupt(format!("tensor {name} has {n_dims} dimensions")));
            }
            let mut dims = Vec::with_capacity(n_dims as usize);
            for _ in 0..n_dims {
                dims.push(c.u64(&name)?);
            }
            let type_id = c.u32(&name)?;
            let ggml_type = GgmlType::from_id(type_id).ok_or_else(|| GgufError::Corrupt(format!("tensor {name} has unknown type {type_id}")))?;
            let offset = c.u64(&name)?;
            let elements = dims
                .iter()
                .try_fold(1u64, |acc, &d| acc.checked_mul(d))
                .ok_or_else(|| GgufError::Corrupt(format!("tensor {name}: dimensions overflow")))?;
            let bytes = ggml_type
                .bytes_for(elements)
                .ok_or_else(|| GgufError::Corrupt(format!("tensor {name}: {elements} elements is not whole {} blocks", ggml_type.name)))?;
            tensors.push(TensorInfo { name, dims, ggml_type, offset, elements, bytes });
        }

        let alignment = metadata.get("general.alignment").and_then(MetaValue::as_u64).unwrap_or(32);
        if alignment == 0 || !alignment.is_power_of_two() {
            return Err(GgufError::Corrupt(format!("alignment {alignment} is not a power of two")));
        }
        let data_offset = c.pos.div_ceil(alignment) * alignment;
        for t in &tensors {
            let end = data_offset.checked_add(t.offset).and_then(|s| s.checked_add(t.bytes));
            match end {
                Some(end) if end <= len => {}
                _ => {
                    return Err(GgufError::Truncated(format!(
                        "tensor {} ends at byte {} but the file has {len} bytes",
                        t.name,
                        end.map_or_else(|| "beyond 2^64".to_string(), |e| e.to_string())
                    )))
                }
            }
        }
        Ok(GgufFile { version, file_size: len, metadata, tensors, data_offset, shard_count: 1 })
    }

    pub fn get(&self, key: &str) -> Option<&MetaValue> {
        self.metadata.get(key)
    }

    pub fn architecture(&self) -> Option<&str> {
        self.get("general.architecture").and_then(MetaValue::as_str)
    }

    /// `{arch}.{suffix}`, e.g. `llama.block_count`.
    pub fn arch_u64(&self, suffix: &str) -> Option<u64> {
        let arch = self.architecture()?;
        self.get(&format!("{arch}.{suffix}")).and_then(MetaValue::as_u64)
    }
}
