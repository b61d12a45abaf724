//! WASI preview 1 as the recorder sees it: each function's Wasm signature,
//! a call into wasmtime-wasi's own implementation by name, and the guest
//! memory each call writes (its output regions), derived from the
//! signatures in wasmtime-wasi 48.0.8's `witx/p1/wasi_snapshot_preview1.witx`.
//!
//! Why by hand: wasmtime-wasi defines the functions in a `Linker`, where
//! they find the guest's memory through the calling instance; a host
//! function that wraps them has no calling instance to lend. The generated
//! functions of `wasmtime_wasi::p1::wasi_snapshot_preview1` take the memory
//! as an argument, so the recorder calls those, with the same arguments.

use wasmtime::Val;
use wasmtime_wasi::p1::WasiP1Ctx;
use wiggle::GuestMemory;

/// The WASI module name.
pub(crate) const WASI: &str = "wasi_snapshot_preview1";

/// A Wasm argument's bits, as the trace keeps them.
pub(crate) fn bits(v: &Val) -> Bits {
    match v {
        Val::I32(x) => u64::from(*x as u32),
        Val::I64(x) => *x as u64,
        Val::F32(x) => u64::from(*x),
        Val::F64(x) => *x,
        _ => 0,
    }
}

/// A Wasm argument as the trace keeps it: its bits, zero-extended.
pub type Bits = u64;

/// Conversion of a recorded argument to the parameter type of a generated
/// function.
trait FromBits {
    fn from_bits(bits: Bits) -> Self;
}

impl FromBits for i32 {
    fn from_bits(bits: Bits) -> i32 {
        bits as u32 as i32
    }
}

impl FromBits for i64 {
    fn from_bits(bits: Bits) -> i64 {
        bits as i64
    }
}

/// The errno a generated function returns (`None` for `proc_exit`, which
/// has no result).
trait Errno {
    fn errno(self) -> Option<i32>;
}

impl Errno for i32 {
    fn errno(self) -> Option<i32> {
        Some(self)
    }
}

impl Errno for () {
    fn errno(self) -> Option<i32> {
        None
    }
}

/// A generated function's result: awaited when wasmtime-wasi made the
/// function async (the `async:` list of its `from_witx!`).
macro_rules! finish {
    (async, $call:expr) => {
        $call.await
    };
    (sync, $call:expr) => {
        $call
    };
}

macro_rules! p1_functions {
    ($($kind:ident $name:ident($($arg:ident: $ty:ident),*);)*) => {
        /// The functions of `wasi_snapshot_preview1`, by name.
        pub const FUNCTIONS: &[&str] = &[$(stringify!($name)),*];

        /// Calls wasmtime-wasi's `name` with `args` (as many as its Wasm
        /// signature has) on `ctx` and `memory`: `Ok(Some(errno))`,
        /// `Ok(None)` for a function without a result, or the error it
        /// raised (`proc_exit`'s `I32Exit`, a trap).
        ///
        /// # Errors
        /// Those of the function; an unknown name or a wrong argument count
        /// is an error too.
        pub async fn call(
            name: &str,
            ctx: &mut WasiP1Ctx,
            memory: &mut GuestMemory<'_>,
            args: &[Bits],
        ) -> wasmtime::Result<Option<i32>> {
            use wasmtime_wasi::p1::wasi_snapshot_preview1 as p1;
            match name {
                $(stringify!($name) => {
                    #[allow(unused_mut, unused_variables)]
                    let mut it = args.iter().copied();
                    $(let $arg = $ty::from_bits(it.next().ok_or_else(|| {
                        wasmtime::format_err!("{name}: too few arguments")
                    })?);)*
                    Ok(finish!($kind, p1::$name(ctx, memory, $($arg),*))?.errno())
                })*
                _ => Err(wasmtime::format_err!("{name} is not a WASI preview 1 function")),
            }
        }
    };
}

p1_functions! {
    sync args_get(argv: i32, argv_buf: i32);
    sync args_sizes_get(argc: i32, size: i32);
    sync clock_res_get(id: i32, res: i32);
    sync clock_time_get(id: i32, precision: i64, time: i32);
    sync environ_get(environ: i32, buf: i32);
    sync environ_sizes_get(count: i32, size: i32);
    async fd_advise(fd: i32, offset: i64, len: i64, advice: i32);
    sync fd_allocate(fd: i32, offset: i64, len: i64);
    async fd_close(fd: i32);
    async fd_datasync(fd: i32);
    async fd_fdstat_get(fd: i32, stat: i32);
    sync fd_fdstat_set_flags(fd: i32, flags: i32);
    sync fd_fdstat_set_rights(fd: i32, base: i64, inheriting: i64);
    async fd_filestat_get(fd: i32, stat: i32);
    async fd_filestat_set_size(fd: i32, size: i64);
    async fd_filestat_set_times(fd: i32, atim: i64, mtim: i64, flags: i32);
    async fd_pread(fd: i32, iovs: i32, iovs_len: i32, offset: i64, nread: i32);
    sync fd_prestat_dir_name(fd: i32, path: i32, path_len: i32);
    sync fd_prestat_get(fd: i32, prestat: i32);
    async fd_pwrite(fd: i32, iovs: i32, iovs_len: i32, offset: i64, nwritten: i32);
    async fd_read(fd: i32, iovs: i32, iovs_len: i32, nread: i32);
    async fd_readdir(fd: i32, buf: i32, buf_len: i32, cookie: i64, bufused: i32);
    async fd_renumber(fd: i32, to: i32);
    async fd_seek(fd: i32, offset: i64, whence: i32, newoffset: i32);
    async fd_sync(fd: i32);
    sync fd_tell(fd: i32, offset: i32);
    async fd_write(fd: i32, iovs: i32, iovs_len: i32, nwritten: i32);
    async path_create_directory(fd: i32, path: i32, path_len: i32);
    async path_filestat_get(fd: i32, flags: i32, path: i32, path_len: i32, stat: i32);
    async path_filestat_set_times(fd: i32, flags: i32, path: i32, path_len: i32, atim: i64, mtim: i64, fst: i32);
    async path_link(old_fd: i32, old_flags: i32, old_path: i32, old_len: i32, new_fd: i32, new_path: i32, new_len: i32);
    async path_open(fd: i32, dirflags: i32, path: i32, path_len: i32, oflags: i32, base: i64, inheriting: i64, fdflags: i32, opened: i32);
    async path_readlink(fd: i32, path: i32, path_len: i32, buf: i32, buf_len: i32, bufused: i32);
    async path_remove_directory(fd: i32, path: i32, path_len: i32);
    async path_rename(fd: i32, old_path: i32, old_len: i32, new_fd: i32, new_path: i32, new_len: i32);
    async path_symlink(old_path: i32, old_len: i32, fd: i32, new_path: i32, new_len: i32);
    async path_unlink_file(fd: i32, path: i32, path_len: i32);
    async poll_oneoff(subs: i32, events: i32, nsubs: i32, nevents: i32);
    sync proc_exit(code: i32);
    sync proc_raise(sig: i32);
    sync random_get(buf: i32, buf_len: i32);
    sync sched_yield();
    sync sock_accept(fd: i32, flags: i32, opened: i32);
    sync sock_recv(fd: i32, ri_data: i32, ri_data_len: i32, ri_flags: i32, ro_datalen: i32, ro_flags: i32);
    sync sock_send(fd: i32, si_data: i32, si_data_len: i32, si_flags: i32, so_datalen: i32);
    sync sock_shutdown(fd: i32, how: i32);
}

/// A range of guest memory: (address, length in bytes).
pub type Region = (u32, u32);

/// The sizes `args_get` and `environ_get` write: (count, bytes of the
/// NUL-terminated strings), as `args_sizes_get`/`environ_sizes_get` give
/// them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sizes {
    /// Number of strings.
    pub count: u32,
    /// Bytes of the strings with their NULs.
    pub bytes: u32,
}

impl Sizes {
    /// The sizes of `strings` as WASI passes them.
    pub fn of<'a>(strings: impl IntoIterator<Item = &'a str>) -> Sizes {
        let mut sizes = Sizes::default();
        for s in strings {
            sizes.count += 1;
            sizes.bytes = sizes.bytes.saturating_add(s.len() as u32 + 1);
        }
        sizes
    }
}

/// What the recorder must know before a call: the buffers of the iovec
/// array a reading call fills (read before the call, since the call may
/// overwrite the array itself).
pub fn read_buffers(name: &str, args: &[Bits], memory: &[u8]) -> Vec<Region> {
    let (iovs, len) = match name {
        "fd_read" | "fd_pread" | "sock_recv" => (arg(args, 1), arg(args, 2)),
        _ => return Vec::new(),
    };
    // At most as many entries as the memory could hold: a hostile length
    // must not allocate.
    let len = len.min((memory.len() / 8) as u32);
    (0..len)
        .map_while(|i| {
            let at = iovs.checked_add(i.checked_mul(8)?)?;
            Some((word(memory, at)?, word(memory, at.checked_add(4)?)?))
        })
        .collect()
}

/// The guest memory a successful call of `name` wrote, from its signature:
/// out-pointers by their type's size, buffers by their length, or by the
/// count the call wrote back (`nread`, `bufused`, `nevents`). `buffers`:
/// what [`read_buffers`] returned before the call; `args_sizes` and
/// `env_sizes`: what `args_get` and `environ_get` write. Regions past the
/// end of memory are cut there.
///
/// Recording more than a call wrote is harmless (a replay writes back the
/// bytes that were there); recording less would let a replay diverge, so
/// every region a function may write is listed.
pub fn written(
    name: &str,
    args: &[Bits],
    memory: &[u8],
    buffers: &[Region],
    args_sizes: Sizes,
    env_sizes: Sizes,
) -> Vec<Region> {
    let a = |i| arg(args, i);
    let fixed = |i, len| vec![(a(i), len)];
    let counted = |count_at: u32, cap: u32| word(memory, count_at).unwrap_or(0).min(cap);
    let mut regions = match name {
        "args_get" => vec![
            (a(0), args_sizes.count.saturating_mul(4)),
            (a(1), args_sizes.bytes),
        ],
        "environ_get" => vec![
            (a(0), env_sizes.count.saturating_mul(4)),
            (a(1), env_sizes.bytes),
        ],
        "args_sizes_get" | "environ_sizes_get" => vec![(a(0), 4), (a(1), 4)],
        "clock_res_get" | "fd_tell" => fixed(1, 8),
        "clock_time_get" => fixed(2, 8),
        "fd_fdstat_get" => fixed(1, 24),
        "fd_filestat_get" => fixed(1, 64),
        "path_filestat_get" => fixed(4, 64),
        "fd_prestat_get" => fixed(1, 8),
        "fd_prestat_dir_name" => vec![(a(1), a(2))],
        "random_get" => vec![(a(0), a(1))],
        "fd_seek" => fixed(3, 8),
        "fd_write" => fixed(3, 4),
        "fd_pwrite" | "sock_send" => fixed(4, 4),
        "path_open" => fixed(8, 4),
        "sock_accept" => fixed(2, 4),
        "fd_read" => filled(buffers, counted(a(3), u32::MAX), (a(3), 4)),
        "fd_pread" => filled(buffers, counted(a(4), u32::MAX), (a(4), 4)),
        "sock_recv" => {
            let mut r = filled(buffers, counted(a(4), u32::MAX), (a(4), 4));
            r.push((a(5), 2));
            r
        }
        "fd_readdir" => vec![(a(1), counted(a(4), a(2))), (a(4), 4)],
        "path_readlink" => vec![(a(3), counted(a(5), a(4))), (a(5), 4)],
        "poll_oneoff" => vec![(a(1), counted(a(3), a(2)).saturating_mul(32)), (a(3), 4)],
        _ => Vec::new(),
    };
    let size = memory.len() as u64;
    regions.retain_mut(|(at, len)| {
        let end = (u64::from(*at) + u64::from(*len)).min(size);
        *len = end.saturating_sub(u64::from(*at)) as u32;
        *len > 0
    });
    regions
}

/// The first `count` bytes of `buffers` (an iovec list), then `count_at`.
fn filled(buffers: &[Region], mut count: u32, count_at: Region) -> Vec<Region> {
    let mut regions = Vec::new();
    for &(at, len) in buffers {
        if count == 0 {
            break;
        }
        let n = len.min(count);
        regions.push((at, n));
        count -= n;
    }
    regions.push(count_at);
    regions
}

/// Argument `i` as a guest address or length (0 when missing).
fn arg(args: &[Bits], i: usize) -> u32 {
    args.get(i).copied().unwrap_or(0) as u32
}

/// The little-endian u32 at `at`, when it is inside `memory`.
pub fn word(memory: &[u8], at: u32) -> Option<u32> {
    let at = at as usize;
    let bytes = memory.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(bytes.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table names exactly the functions wasmtime-wasi defines.
    #[test]
    fn functions_are_wasmtime_wasis() {
        let mut ours: Vec<&str> = FUNCTIONS.to_vec();
        ours.sort_unstable();
        let mut theirs = crate::debugger::imports::WASI_P1.to_vec();
        theirs.sort_unstable();
        assert_eq!(ours, theirs);
    }

    /// `fd_read` records only the bytes it read, across iovecs, and the
    /// count; a region past the end of memory is cut there.
    #[test]
    fn reads_record_what_was_read() {
        let mut memory = vec![0u8; 64];
        // nread = 6 at 40
        memory[40..44].copy_from_slice(&6u32.to_le_bytes());
        let buffers = [(0, 4), (8, 10)];
        let regions = written(
            "fd_read",
            &[0, 16, 2, 40],
            &memory,
            &buffers,
            Sizes::default(),
            Sizes::default(),
        );
        assert_eq!(regions, vec![(0, 4), (8, 2), (40, 4)]);
        let cut = written(
            "random_get",
            &[60, 10],
            &memory,
            &[],
            Sizes::default(),
            Sizes::default(),
        );
        assert_eq!(cut, vec![(60, 4)]);
    }

    /// The iovec list is read before the call; a hostile length does not
    /// allocate past what memory holds.
    #[test]
    fn iovecs_are_bounded_by_memory() {
        let mut memory = vec![0u8; 32];
        memory[0..4].copy_from_slice(&16u32.to_le_bytes());
        memory[4..8].copy_from_slice(&8u32.to_le_bytes());
        assert_eq!(
            read_buffers("fd_read", &[0, 0, u32::MAX as u64], &memory),
            vec![(16, 8), (0, 0), (0, 0), (0, 0)]
        );
        assert!(read_buffers("fd_write", &[1, 0, 1, 8], &memory).is_empty());
    }
}
