//! Every WASI 0.2 function wasmtime-wasi 48 provides for `wasi:cli/command`
//! (sockets excepted, for now), once: [`Recording`] implements each
//! interface's host trait by calling wasmtime-wasi's own implementation and
//! logging the call; [`Replaying`] implements it by answering from the
//! trace. The signatures are the traits' (`wasmtime_wasi::p2::bindings`,
//! generated from wasmtime-wasi's WIT): a wasmtime-wasi upgrade that
//! changes one fails to compile here.

use wasmtime::component::Resource;
use wasmtime_wasi::cli::WasiCliView;
use wasmtime_wasi::clocks::WasiClocksView;
use wasmtime_wasi::filesystem::WasiFilesystemView;
use wasmtime_wasi::p2::bindings as b;
use wasmtime_wasi::p2::bindings::clocks::wall_clock::Datetime;
use wasmtime_wasi::p2::bindings::filesystem::types::{
    Advice, DescriptorFlags, DescriptorStat, DescriptorType, DirectoryEntry, ErrorCode,
    MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, DynPollable, FsError, StreamError};
use wasmtime_wasi::random::WasiRandomView;
use wasmtime_wasi::{ResourceTable, WasiView};

use super::host::{ComponentHost, Recording, Replaying};
use super::outcome::Outcome;
use super::saved::{Save, Saved};
use crate::debugger::record::trace::Returned;

use b::cli::terminal_input::TerminalInput;
use b::cli::terminal_output::TerminalOutput;
use b::filesystem::types::{Descriptor, DirectoryEntryStream};
type IoError = wasmtime::Error;
type Fs<T> = Result<T, FsError>;
type Stream<T> = Result<T, StreamError>;
type Trap<T> = wasmtime::Result<T>;

/// One method of both implementations. `sync`/`async` as the trait
/// declares it.
macro_rules! method {
    (record sync $real:ty, $get:expr, $trait:path, $wit:literal, $name:ident ($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        fn $name(&mut self, $($arg: $ty),*) -> $ret {
            let args = Saved::Tuple(vec![$($arg.save()),*]);
            let result = {
                let mut real: $real = ($get)(&mut *self.host);
                <$real as $trait>::$name(&mut real, $($arg),*)
            };
            self.host.record($wit, args, Outcome::returned(&result));
            result
        }
    };
    (record async $real:ty, $get:expr, $trait:path, $wit:literal, $name:ident ($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        async fn $name(&mut self, $($arg: $ty),*) -> $ret {
            let args = Saved::Tuple(vec![$($arg.save()),*]);
            let result = {
                let mut real: $real = ($get)(&mut *self.host);
                <$real as $trait>::$name(&mut real, $($arg),*).await
            };
            self.host.record($wit, args, Outcome::returned(&result));
            result
        }
    };
    (replay sync $wit:literal, $name:ident ($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        fn $name(&mut self, $($arg: $ty),*) -> $ret {
            self.answer($wit, Saved::Tuple(vec![$($arg.save()),*]))
        }
    };
    (replay async $wit:literal, $name:ident ($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        async fn $name(&mut self, $($arg: $ty),*) -> $ret {
            self.answer($wit, Saved::Tuple(vec![$($arg.save()),*]))
        }
    };
}

/// The table: per host trait, the wasmtime-wasi type that implements it
/// (and how to reach it from the store's data), then its methods with the
/// WIT name each is logged under.
macro_rules! interfaces {
    ($(
        $trait:path => $real:ty = $get:expr, {
            $($kind:ident $wit:literal $name:ident ($($arg:ident: $ty:ty),*) -> $ret:ty;)*
        }
    )*) => {
        /// Every function a trace of a component can hold, by WIT name
        /// (`interface#function`, resource functions as the component
        /// model names them: `[method]descriptor.read`, `[drop]descriptor`).
        pub(crate) const FUNCTIONS: &[&str] = &[$($($wit,)*)*];

        $(
            impl<H: ComponentHost> $trait for Recording<'_, H> {
                $(method!(record $kind $real, $get, $trait, $wit, $name ($($arg: $ty),*) -> $ret);)*
            }
            impl<H: ComponentHost> $trait for Replaying<'_, H> {
                $(method!(replay $kind $wit, $name ($($arg: $ty),*) -> $ret);)*
            }
        )*
    };
}

fn clocks<H: WasiView>(h: &mut H) -> wasmtime_wasi::clocks::WasiClocksCtxView<'_> {
    h.clocks()
}
fn random<H: WasiView>(h: &mut H) -> &mut wasmtime_wasi::random::WasiRandomCtx {
    h.random()
}
fn cli<H: WasiView>(h: &mut H) -> wasmtime_wasi::cli::WasiCliCtxView<'_> {
    h.cli()
}
fn filesystem<H: WasiView>(h: &mut H) -> wasmtime_wasi::filesystem::WasiFilesystemCtxView<'_> {
    h.filesystem()
}
fn table<H: WasiView>(h: &mut H) -> &mut ResourceTable {
    h.ctx().table
}

interfaces! {
    b::clocks::wall_clock::Host => wasmtime_wasi::clocks::WasiClocksCtxView<'_> = clocks, {
        sync "wasi:clocks/wall-clock#now" now() -> Trap<Datetime>;
        sync "wasi:clocks/wall-clock#resolution" resolution() -> Trap<Datetime>;
    }
    b::clocks::monotonic_clock::Host => wasmtime_wasi::clocks::WasiClocksCtxView<'_> = clocks, {
        sync "wasi:clocks/monotonic-clock#now" now() -> Trap<u64>;
        sync "wasi:clocks/monotonic-clock#resolution" resolution() -> Trap<u64>;
        sync "wasi:clocks/monotonic-clock#subscribe-instant"
            subscribe_instant(when: u64) -> Trap<Resource<DynPollable>>;
        sync "wasi:clocks/monotonic-clock#subscribe-duration"
            subscribe_duration(when: u64) -> Trap<Resource<DynPollable>>;
    }
    b::random::random::Host => &mut wasmtime_wasi::random::WasiRandomCtx = random, {
        sync "wasi:random/random#get-random-bytes" get_random_bytes(len: u64) -> Trap<Vec<u8>>;
        sync "wasi:random/random#get-random-u64" get_random_u64() -> Trap<u64>;
    }
    b::random::insecure::Host => &mut wasmtime_wasi::random::WasiRandomCtx = random, {
        sync "wasi:random/insecure#get-insecure-random-bytes"
            get_insecure_random_bytes(len: u64) -> Trap<Vec<u8>>;
        sync "wasi:random/insecure#get-insecure-random-u64"
            get_insecure_random_u64() -> Trap<u64>;
    }
    b::random::insecure_seed::Host => &mut wasmtime_wasi::random::WasiRandomCtx = random, {
        sync "wasi:random/insecure-seed#insecure-seed" insecure_seed() -> Trap<(u64, u64)>;
    }
    b::cli::exit::Host => wasmtime_wasi::cli::WasiCliCtxView<'_> = cli, {
        sync "wasi:cli/exit#exit" exit(status: Result<(), ()>) -> Trap<()>;
        sync "wasi:cli/exit#exit-with-code" exit_with_code(status_code: u8) -> Trap<()>;
    }
    b::cli::environment::Host => wasmtime_wasi::cli::WasiCliCtxView<'_> = cli, {
        sync "wasi:cli/environment#get-environment"
            get_environment() -> Trap<Vec<(String, String)>>;
        sync "wasi:cli/environment#get-arguments" get_arguments() -> Trap<Vec<String>>;
        sync "wasi:cli/environment#initial-cwd" initial_cwd() -> Trap<Option<String>>;
    }
    b::cli::stdin::Host => wasmtime_wasi::cli::WasiCliCtxView<'_> = cli, {
        sync "wasi:cli/stdin#get-stdin" get_stdin() -> Trap<Resource<DynInputStream>>;
    }
    b::cli::stdout::Host => wasmtime_wasi::cli::WasiCliCtxView<'_> = cli, {
        sync "wasi:cli/stdout#get-stdout" get_stdout() -> Trap<Resource<DynOutputStream>>;
    }
    b::cli::stderr::Host => wasmtime_wasi::cli::WasiCliCtxView<'_> = cli, {
        sync "wasi:cli/stderr#get-stderr" get_stderr() -> Trap<Resource<DynOutputStream>>;
    }
    b::cli::terminal_input::Host => wasmtime_wasi::cli::WasiCliCtxView<'_> = cli, {}
    b::cli::terminal_input::HostTerminalInput => wasmtime_wasi::cli::WasiCliCtxView<'_> = cli, {
        sync "wasi:cli/terminal-input#[drop]terminal-input"
            drop(rep: Resource<TerminalInput>) -> Trap<()>;
    }
    b::cli::terminal_output::Host => wasmtime_wasi::cli::WasiCliCtxView<'_> = cli, {}
    b::cli::terminal_output::HostTerminalOutput => wasmtime_wasi::cli::WasiCliCtxView<'_> = cli, {
        sync "wasi:cli/terminal-output#[drop]terminal-output"
            drop(rep: Resource<TerminalOutput>) -> Trap<()>;
    }
    b::cli::terminal_stdin::Host => wasmtime_wasi::cli::WasiCliCtxView<'_> = cli, {
        sync "wasi:cli/terminal-stdin#get-terminal-stdin"
            get_terminal_stdin() -> Trap<Option<Resource<TerminalInput>>>;
    }
    b::cli::terminal_stdout::Host => wasmtime_wasi::cli::WasiCliCtxView<'_> = cli, {
        sync "wasi:cli/terminal-stdout#get-terminal-stdout"
            get_terminal_stdout() -> Trap<Option<Resource<TerminalOutput>>>;
    }
    b::cli::terminal_stderr::Host => wasmtime_wasi::cli::WasiCliCtxView<'_> = cli, {
        sync "wasi:cli/terminal-stderr#get-terminal-stderr"
            get_terminal_stderr() -> Trap<Option<Resource<TerminalOutput>>>;
    }
    b::filesystem::preopens::Host
        => wasmtime_wasi::filesystem::WasiFilesystemCtxView<'_> = filesystem, {
        sync "wasi:filesystem/preopens#get-directories"
            get_directories() -> Trap<Vec<(Resource<Descriptor>, String)>>;
    }
    b::filesystem::types::HostDescriptor
        => wasmtime_wasi::filesystem::WasiFilesystemCtxView<'_> = filesystem, {
        sync "wasi:filesystem/types#[method]descriptor.read-via-stream"
            read_via_stream(fd: Resource<Descriptor>, offset: u64) -> Fs<Resource<DynInputStream>>;
        sync "wasi:filesystem/types#[method]descriptor.write-via-stream"
            write_via_stream(fd: Resource<Descriptor>, offset: u64) -> Fs<Resource<DynOutputStream>>;
        sync "wasi:filesystem/types#[method]descriptor.append-via-stream"
            append_via_stream(fd: Resource<Descriptor>) -> Fs<Resource<DynOutputStream>>;
        async "wasi:filesystem/types#[method]descriptor.advise"
            advise(fd: Resource<Descriptor>, offset: u64, len: u64, advice: Advice) -> Fs<()>;
        async "wasi:filesystem/types#[method]descriptor.sync-data"
            sync_data(fd: Resource<Descriptor>) -> Fs<()>;
        async "wasi:filesystem/types#[method]descriptor.get-flags"
            get_flags(fd: Resource<Descriptor>) -> Fs<DescriptorFlags>;
        async "wasi:filesystem/types#[method]descriptor.get-type"
            get_type(fd: Resource<Descriptor>) -> Fs<DescriptorType>;
        async "wasi:filesystem/types#[method]descriptor.set-size"
            set_size(fd: Resource<Descriptor>, size: u64) -> Fs<()>;
        async "wasi:filesystem/types#[method]descriptor.set-times"
            set_times(fd: Resource<Descriptor>, atim: NewTimestamp, mtim: NewTimestamp) -> Fs<()>;
        async "wasi:filesystem/types#[method]descriptor.read"
            read(fd: Resource<Descriptor>, len: u64, offset: u64) -> Fs<(Vec<u8>, bool)>;
        async "wasi:filesystem/types#[method]descriptor.write"
            write(fd: Resource<Descriptor>, buf: Vec<u8>, offset: u64) -> Fs<u64>;
        async "wasi:filesystem/types#[method]descriptor.read-directory"
            read_directory(fd: Resource<Descriptor>) -> Fs<Resource<DirectoryEntryStream>>;
        async "wasi:filesystem/types#[method]descriptor.sync"
            sync(fd: Resource<Descriptor>) -> Fs<()>;
        async "wasi:filesystem/types#[method]descriptor.create-directory-at"
            create_directory_at(fd: Resource<Descriptor>, path: String) -> Fs<()>;
        async "wasi:filesystem/types#[method]descriptor.stat"
            stat(fd: Resource<Descriptor>) -> Fs<DescriptorStat>;
        async "wasi:filesystem/types#[method]descriptor.stat-at"
            stat_at(fd: Resource<Descriptor>, flags: PathFlags, path: String) -> Fs<DescriptorStat>;
        async "wasi:filesystem/types#[method]descriptor.set-times-at"
            set_times_at(
                fd: Resource<Descriptor>, flags: PathFlags, path: String,
                atim: NewTimestamp, mtim: NewTimestamp
            ) -> Fs<()>;
        async "wasi:filesystem/types#[method]descriptor.link-at"
            link_at(
                fd: Resource<Descriptor>, old_flags: PathFlags, old_path: String,
                new_fd: Resource<Descriptor>, new_path: String
            ) -> Fs<()>;
        async "wasi:filesystem/types#[method]descriptor.open-at"
            open_at(
                fd: Resource<Descriptor>, path_flags: PathFlags, path: String,
                oflags: OpenFlags, flags: DescriptorFlags
            ) -> Fs<Resource<Descriptor>>;
        async "wasi:filesystem/types#[method]descriptor.readlink-at"
            readlink_at(fd: Resource<Descriptor>, path: String) -> Fs<String>;
        async "wasi:filesystem/types#[method]descriptor.remove-directory-at"
            remove_directory_at(fd: Resource<Descriptor>, path: String) -> Fs<()>;
        async "wasi:filesystem/types#[method]descriptor.rename-at"
            rename_at(
                fd: Resource<Descriptor>, old_path: String,
                new_fd: Resource<Descriptor>, new_path: String
            ) -> Fs<()>;
        async "wasi:filesystem/types#[method]descriptor.symlink-at"
            symlink_at(fd: Resource<Descriptor>, old_path: String, new_path: String) -> Fs<()>;
        async "wasi:filesystem/types#[method]descriptor.unlink-file-at"
            unlink_file_at(fd: Resource<Descriptor>, path: String) -> Fs<()>;
        async "wasi:filesystem/types#[method]descriptor.is-same-object"
            is_same_object(fd: Resource<Descriptor>, other: Resource<Descriptor>) -> Trap<bool>;
        async "wasi:filesystem/types#[method]descriptor.metadata-hash"
            metadata_hash(fd: Resource<Descriptor>) -> Fs<MetadataHashValue>;
        async "wasi:filesystem/types#[method]descriptor.metadata-hash-at"
            metadata_hash_at(fd: Resource<Descriptor>, flags: PathFlags, path: String)
                -> Fs<MetadataHashValue>;
        sync "wasi:filesystem/types#[drop]descriptor" drop(fd: Resource<Descriptor>) -> Trap<()>;
    }
    b::filesystem::types::HostDirectoryEntryStream
        => wasmtime_wasi::filesystem::WasiFilesystemCtxView<'_> = filesystem, {
        async "wasi:filesystem/types#[method]directory-entry-stream.read-directory-entry"
            read_directory_entry(s: Resource<DirectoryEntryStream>) -> Fs<Option<DirectoryEntry>>;
        sync "wasi:filesystem/types#[drop]directory-entry-stream"
            drop(s: Resource<DirectoryEntryStream>) -> Trap<()>;
    }
    b::io::error::Host => &mut ResourceTable = table, {}
    b::io::error::HostError => &mut ResourceTable = table, {
        sync "wasi:io/error#[method]error.to-debug-string"
            to_debug_string(e: Resource<IoError>) -> Trap<String>;
        sync "wasi:io/error#[drop]error" drop(e: Resource<IoError>) -> Trap<()>;
    }
    b::io::poll::Host => &mut ResourceTable = table, {
        async "wasi:io/poll#poll" poll(pollables: Vec<Resource<DynPollable>>) -> Trap<Vec<u32>>;
    }
    b::io::poll::HostPollable => &mut ResourceTable = table, {
        async "wasi:io/poll#[method]pollable.ready" ready(p: Resource<DynPollable>) -> Trap<bool>;
        async "wasi:io/poll#[method]pollable.block" block(p: Resource<DynPollable>) -> Trap<()>;
        sync "wasi:io/poll#[drop]pollable" drop(p: Resource<DynPollable>) -> Trap<()>;
    }
    b::io::streams::HostInputStream => &mut ResourceTable = table, {
        sync "wasi:io/streams#[method]input-stream.read"
            read(s: Resource<DynInputStream>, len: u64) -> Stream<Vec<u8>>;
        async "wasi:io/streams#[method]input-stream.blocking-read"
            blocking_read(s: Resource<DynInputStream>, len: u64) -> Stream<Vec<u8>>;
        sync "wasi:io/streams#[method]input-stream.skip"
            skip(s: Resource<DynInputStream>, len: u64) -> Stream<u64>;
        async "wasi:io/streams#[method]input-stream.blocking-skip"
            blocking_skip(s: Resource<DynInputStream>, len: u64) -> Stream<u64>;
        sync "wasi:io/streams#[method]input-stream.subscribe"
            subscribe(s: Resource<DynInputStream>) -> Trap<Resource<DynPollable>>;
        async "wasi:io/streams#[drop]input-stream" drop(s: Resource<DynInputStream>) -> Trap<()>;
    }
    b::io::streams::HostOutputStream => &mut ResourceTable = table, {
        sync "wasi:io/streams#[method]output-stream.check-write"
            check_write(s: Resource<DynOutputStream>) -> Stream<u64>;
        sync "wasi:io/streams#[method]output-stream.write"
            write(s: Resource<DynOutputStream>, contents: Vec<u8>) -> Stream<()>;
        async "wasi:io/streams#[method]output-stream.blocking-write-and-flush"
            blocking_write_and_flush(s: Resource<DynOutputStream>, contents: Vec<u8>) -> Stream<()>;
        sync "wasi:io/streams#[method]output-stream.flush"
            flush(s: Resource<DynOutputStream>) -> Stream<()>;
        async "wasi:io/streams#[method]output-stream.blocking-flush"
            blocking_flush(s: Resource<DynOutputStream>) -> Stream<()>;
        sync "wasi:io/streams#[method]output-stream.subscribe"
            subscribe(s: Resource<DynOutputStream>) -> Trap<Resource<DynPollable>>;
        sync "wasi:io/streams#[method]output-stream.write-zeroes"
            write_zeroes(s: Resource<DynOutputStream>, len: u64) -> Stream<()>;
        async "wasi:io/streams#[method]output-stream.blocking-write-zeroes-and-flush"
            blocking_write_zeroes_and_flush(s: Resource<DynOutputStream>, len: u64) -> Stream<()>;
        sync "wasi:io/streams#[method]output-stream.splice"
            splice(s: Resource<DynOutputStream>, src: Resource<DynInputStream>, len: u64)
                -> Stream<u64>;
        async "wasi:io/streams#[method]output-stream.blocking-splice"
            blocking_splice(s: Resource<DynOutputStream>, src: Resource<DynInputStream>, len: u64)
                -> Stream<u64>;
        async "wasi:io/streams#[drop]output-stream" drop(s: Resource<DynOutputStream>) -> Trap<()>;
    }
}

/// The name a stream error's conversion is logged under: it is where the
/// host puts a failed operation's `error` in its table, so its handle is
/// part of the trace.
pub(crate) const CONVERT_STREAM_ERROR: &str = "wasi:io/streams#(stream-error)";
/// The name `filesystem-error-code` is logged under.
const FILESYSTEM_ERROR_CODE: &str = "wasi:filesystem/types#filesystem-error-code";

/// `stream-error` as the guest sees it, for the trace.
fn save_guest_stream_error(e: &b::io::streams::StreamError) -> Saved {
    match e {
        b::io::streams::StreamError::LastOperationFailed(error) => {
            Saved::Case(0, Box::new(error.save()))
        }
        b::io::streams::StreamError::Closed => Saved::Case(1, Box::new(Saved::Unit)),
    }
}

/// The guest's `stream-error` back from the trace.
fn load_guest_stream_error(saved: &Saved) -> Option<b::io::streams::StreamError> {
    match saved {
        Saved::Case(0, error) => Some(b::io::streams::StreamError::LastOperationFailed(
            Resource::load(error)?,
        )),
        Saved::Case(1, unit) if **unit == Saved::Unit => Some(b::io::streams::StreamError::Closed),
        _ => None,
    }
}

impl<H: ComponentHost> b::io::streams::Host for Recording<'_, H> {
    fn convert_stream_error(&mut self, err: StreamError) -> Trap<b::io::streams::StreamError> {
        // A trap is no answer to the guest: it ends the call, unlogged.
        if let StreamError::Trap(e) = err {
            return Err(e);
        }
        let args = Saved::Tuple(vec![]);
        let result = <&mut ResourceTable as b::io::streams::Host>::convert_stream_error(
            &mut table(self.host),
            err,
        );
        let returned = match &result {
            Ok(e) => Returned::Value(save_guest_stream_error(e)),
            Err(e) => Outcome::returned(&Err::<(), _>(wasmtime::format_err!("{e}"))),
        };
        self.host.record(CONVERT_STREAM_ERROR, args, returned);
        result
    }
}

impl<H: ComponentHost> b::io::streams::Host for Replaying<'_, H> {
    fn convert_stream_error(&mut self, err: StreamError) -> Trap<b::io::streams::StreamError> {
        if let StreamError::Trap(e) = err {
            return Err(e);
        }
        let answer: Trap<Saved> = self.answer(CONVERT_STREAM_ERROR, Saved::Tuple(vec![]));
        let saved = answer?;
        load_guest_stream_error(&saved).ok_or_else(|| {
            wasmtime::format_err!(
                "the replay diverged: the trace's stream error {saved:?} is not one"
            )
        })
    }
}

impl<H: ComponentHost> b::filesystem::types::Host for Recording<'_, H> {
    fn filesystem_error_code(&mut self, err: Resource<IoError>) -> Trap<Option<ErrorCode>> {
        let args = Saved::Tuple(vec![err.save()]);
        let result = <wasmtime_wasi::filesystem::WasiFilesystemCtxView<'_> as b::filesystem::types::Host>::filesystem_error_code(&mut filesystem(self.host), err);
        self.host
            .record(FILESYSTEM_ERROR_CODE, args, Outcome::returned(&result));
        result
    }
    fn convert_error_code(&mut self, err: FsError) -> Trap<ErrorCode> {
        err.downcast()
    }
}

impl<H: ComponentHost> b::filesystem::types::Host for Replaying<'_, H> {
    fn filesystem_error_code(&mut self, err: Resource<IoError>) -> Trap<Option<ErrorCode>> {
        self.answer(FILESYSTEM_ERROR_CODE, Saved::Tuple(vec![err.save()]))
    }
    fn convert_error_code(&mut self, err: FsError) -> Trap<ErrorCode> {
        err.downcast()
    }
}

/// Every name a trace may hold: the table's functions and the two logged
/// by hand.
pub(crate) fn all_functions() -> Vec<&'static str> {
    let mut all = FUNCTIONS.to_vec();
    all.extend([CONVERT_STREAM_ERROR, FILESYSTEM_ERROR_CODE]);
    all
}
