//! Every WASI 0.2 function wasmtime-wasi 48 provides for `wasi:cli/command`,
//! and wasmtime-wasi-http's for `wasi:http/proxy`, once: [`Recording`] implements each
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
use wasmtime_wasi::p2::bindings::sockets as sk;
use wasmtime_wasi::p2::{
    DynInputStream, DynOutputStream, DynPollable, FsError, SocketError, StreamError,
};
use wasmtime_wasi::random::WasiRandomView;
use wasmtime_wasi::sockets::WasiSocketsView;
use wasmtime_wasi::{ResourceTable, WasiView};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types as ht;
use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode as HttpErrorCode;
use wasmtime_wasi_http::p2::{HeaderError, HttpError};

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
type Sock<T> = Result<T, SocketError>;
type Http<T> = Result<T, HttpError>;
type Header<T> = Result<T, HeaderError>;

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
            self.host.record(const { index_of($wit) }, args, Outcome::returned(&result));
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
            self.host.record(const { index_of($wit) }, args, Outcome::returned(&result));
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
    ($list:ident for $bound:path; $(
        $trait:path => $real:ty = $get:expr, {
            $($kind:ident $wit:literal $name:ident ($($arg:ident: $ty:ty),*) -> $ret:ty;)*
        } $(+ converts { $($convert:ident ($error:ty) -> $code:ty;)* })?
    )*) => {
        /// Functions a trace of a component can hold, by WIT name
        /// (`interface#function`, resource functions as the component
        /// model names them: `[method]descriptor.read`, `[drop]descriptor`).
        pub(crate) const $list: &[&str] = &[$($($wit,)*)*];

        $(
            impl<H: $bound> $trait for Recording<'_, H> {
                $(method!(record $kind $real, $get, $trait, $wit, $name ($($arg: $ty),*) -> $ret);)*
                $($(
                    // A trappable error's conversion: its code was logged
                    // with the call that failed.
                    fn $convert(&mut self, err: $error) -> Trap<$code> {
                        err.downcast()
                    }
                )*)?
            }
            impl<H: $bound> $trait for Replaying<'_, H> {
                $(method!(replay $kind $wit, $name ($($arg: $ty),*) -> $ret);)*
                $($(
                    fn $convert(&mut self, err: $error) -> Trap<$code> {
                        err.downcast()
                    }
                )*)?
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
    FUNCTIONS for ComponentHost;
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
    b::filesystem::types::Host
        => wasmtime_wasi::filesystem::WasiFilesystemCtxView<'_> = filesystem, {
        sync "wasi:filesystem/types#filesystem-error-code"
            filesystem_error_code(err: Resource<IoError>) -> Trap<Option<ErrorCode>>;
    } + converts {
        convert_error_code(FsError) -> ErrorCode;
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

fn sockets<H: WasiView>(h: &mut H) -> wasmtime_wasi::sockets::WasiSocketsCtxView<'_> {
    h.sockets()
}

interfaces! {
    SOCKETS_FUNCTIONS for ComponentHost;
    sk::instance_network::Host => wasmtime_wasi::sockets::WasiSocketsCtxView<'_> = sockets, {
        sync "wasi:sockets/instance-network#instance-network" instance_network() -> Trap<Resource<sk::network::Network>>;
    }
    sk::network::Host => wasmtime_wasi::sockets::WasiSocketsCtxView<'_> = sockets, {
        sync "wasi:sockets/network#network-error-code"
            network_error_code(err: Resource<IoError>) -> Trap<Option<sk::network::ErrorCode>>;
    } + converts {
        convert_error_code(SocketError) -> sk::network::ErrorCode;
    }
    sk::network::HostNetwork => wasmtime_wasi::sockets::WasiSocketsCtxView<'_> = sockets, {
        sync "wasi:sockets/network#[drop]network" drop(n: Resource<sk::network::Network>) -> Trap<()>;
    }
    sk::ip_name_lookup::Host => wasmtime_wasi::sockets::WasiSocketsCtxView<'_> = sockets, {
        sync "wasi:sockets/ip-name-lookup#resolve-addresses"
            resolve_addresses(network: Resource<sk::network::Network>, name: String)
                -> Sock<Resource<sk::ip_name_lookup::ResolveAddressStream>>;
    }
    sk::ip_name_lookup::HostResolveAddressStream => wasmtime_wasi::sockets::WasiSocketsCtxView<'_> = sockets, {
        sync "wasi:sockets/ip-name-lookup#[method]resolve-address-stream.resolve-next-address"
            resolve_next_address(s: Resource<sk::ip_name_lookup::ResolveAddressStream>)
                -> Sock<Option<sk::network::IpAddress>>;
        sync "wasi:sockets/ip-name-lookup#[method]resolve-address-stream.subscribe"
            subscribe(s: Resource<sk::ip_name_lookup::ResolveAddressStream>)
                -> Trap<Resource<DynPollable>>;
        sync "wasi:sockets/ip-name-lookup#[drop]resolve-address-stream"
            drop(s: Resource<sk::ip_name_lookup::ResolveAddressStream>) -> Trap<()>;
    }
    sk::tcp_create_socket::Host => wasmtime_wasi::sockets::WasiSocketsCtxView<'_> = sockets, {
        sync "wasi:sockets/tcp-create-socket#create-tcp-socket"
            create_tcp_socket(family: sk::network::IpAddressFamily) -> Sock<Resource<sk::tcp::TcpSocket>>;
    }
    sk::tcp::Host => wasmtime_wasi::sockets::WasiSocketsCtxView<'_> = sockets, {}
    sk::tcp::HostTcpSocket => wasmtime_wasi::sockets::WasiSocketsCtxView<'_> = sockets, {
        async "wasi:sockets/tcp#[method]tcp-socket.start-bind"
            start_bind(s: Resource<sk::tcp::TcpSocket>, network: Resource<sk::network::Network>, local_address: sk::network::IpSocketAddress) -> Sock<()>;
        sync "wasi:sockets/tcp#[method]tcp-socket.finish-bind" finish_bind(s: Resource<sk::tcp::TcpSocket>) -> Sock<()>;
        sync "wasi:sockets/tcp#[method]tcp-socket.start-connect"
            start_connect(s: Resource<sk::tcp::TcpSocket>, network: Resource<sk::network::Network>, remote_address: sk::network::IpSocketAddress) -> Sock<()>;
        sync "wasi:sockets/tcp#[method]tcp-socket.finish-connect"
            finish_connect(s: Resource<sk::tcp::TcpSocket>) -> Sock<(Resource<DynInputStream>, Resource<DynOutputStream>)>;
        async "wasi:sockets/tcp#[method]tcp-socket.start-listen" start_listen(s: Resource<sk::tcp::TcpSocket>) -> Sock<()>;
        sync "wasi:sockets/tcp#[method]tcp-socket.finish-listen" finish_listen(s: Resource<sk::tcp::TcpSocket>) -> Sock<()>;
        sync "wasi:sockets/tcp#[method]tcp-socket.accept"
            accept(s: Resource<sk::tcp::TcpSocket>) -> Sock<(Resource<sk::tcp::TcpSocket>, Resource<DynInputStream>, Resource<DynOutputStream>)>;
        sync "wasi:sockets/tcp#[method]tcp-socket.local-address" local_address(s: Resource<sk::tcp::TcpSocket>) -> Sock<sk::network::IpSocketAddress>;
        sync "wasi:sockets/tcp#[method]tcp-socket.remote-address" remote_address(s: Resource<sk::tcp::TcpSocket>) -> Sock<sk::network::IpSocketAddress>;
        sync "wasi:sockets/tcp#[method]tcp-socket.is-listening" is_listening(s: Resource<sk::tcp::TcpSocket>) -> Trap<bool>;
        sync "wasi:sockets/tcp#[method]tcp-socket.address-family"
            address_family(s: Resource<sk::tcp::TcpSocket>) -> Trap<sk::network::IpAddressFamily>;
        sync "wasi:sockets/tcp#[method]tcp-socket.set-listen-backlog-size"
            set_listen_backlog_size(s: Resource<sk::tcp::TcpSocket>, value: u64) -> Sock<()>;
        sync "wasi:sockets/tcp#[method]tcp-socket.keep-alive-enabled" keep_alive_enabled(s: Resource<sk::tcp::TcpSocket>) -> Sock<bool>;
        sync "wasi:sockets/tcp#[method]tcp-socket.set-keep-alive-enabled"
            set_keep_alive_enabled(s: Resource<sk::tcp::TcpSocket>, value: bool) -> Sock<()>;
        sync "wasi:sockets/tcp#[method]tcp-socket.keep-alive-idle-time"
            keep_alive_idle_time(s: Resource<sk::tcp::TcpSocket>) -> Sock<u64>;
        sync "wasi:sockets/tcp#[method]tcp-socket.set-keep-alive-idle-time"
            set_keep_alive_idle_time(s: Resource<sk::tcp::TcpSocket>, value: u64) -> Sock<()>;
        sync "wasi:sockets/tcp#[method]tcp-socket.keep-alive-interval"
            keep_alive_interval(s: Resource<sk::tcp::TcpSocket>) -> Sock<u64>;
        sync "wasi:sockets/tcp#[method]tcp-socket.set-keep-alive-interval"
            set_keep_alive_interval(s: Resource<sk::tcp::TcpSocket>, value: u64) -> Sock<()>;
        sync "wasi:sockets/tcp#[method]tcp-socket.keep-alive-count" keep_alive_count(s: Resource<sk::tcp::TcpSocket>) -> Sock<u32>;
        sync "wasi:sockets/tcp#[method]tcp-socket.set-keep-alive-count"
            set_keep_alive_count(s: Resource<sk::tcp::TcpSocket>, value: u32) -> Sock<()>;
        sync "wasi:sockets/tcp#[method]tcp-socket.hop-limit" hop_limit(s: Resource<sk::tcp::TcpSocket>) -> Sock<u8>;
        sync "wasi:sockets/tcp#[method]tcp-socket.set-hop-limit" set_hop_limit(s: Resource<sk::tcp::TcpSocket>, value: u8) -> Sock<()>;
        sync "wasi:sockets/tcp#[method]tcp-socket.receive-buffer-size"
            receive_buffer_size(s: Resource<sk::tcp::TcpSocket>) -> Sock<u64>;
        sync "wasi:sockets/tcp#[method]tcp-socket.set-receive-buffer-size"
            set_receive_buffer_size(s: Resource<sk::tcp::TcpSocket>, value: u64) -> Sock<()>;
        sync "wasi:sockets/tcp#[method]tcp-socket.send-buffer-size" send_buffer_size(s: Resource<sk::tcp::TcpSocket>) -> Sock<u64>;
        sync "wasi:sockets/tcp#[method]tcp-socket.set-send-buffer-size"
            set_send_buffer_size(s: Resource<sk::tcp::TcpSocket>, value: u64) -> Sock<()>;
        sync "wasi:sockets/tcp#[method]tcp-socket.subscribe" subscribe(s: Resource<sk::tcp::TcpSocket>) -> Trap<Resource<DynPollable>>;
        sync "wasi:sockets/tcp#[method]tcp-socket.shutdown"
            shutdown(s: Resource<sk::tcp::TcpSocket>, shutdown_type: sk::tcp::ShutdownType) -> Sock<()>;
        sync "wasi:sockets/tcp#[drop]tcp-socket" drop(s: Resource<sk::tcp::TcpSocket>) -> Trap<()>;
    }
    sk::udp_create_socket::Host => wasmtime_wasi::sockets::WasiSocketsCtxView<'_> = sockets, {
        async "wasi:sockets/udp-create-socket#create-udp-socket"
            create_udp_socket(family: sk::network::IpAddressFamily) -> Sock<Resource<sk::udp::UdpSocket>>;
    }
    sk::udp::Host => wasmtime_wasi::sockets::WasiSocketsCtxView<'_> = sockets, {}
    sk::udp::HostUdpSocket => wasmtime_wasi::sockets::WasiSocketsCtxView<'_> = sockets, {
        async "wasi:sockets/udp#[method]udp-socket.start-bind"
            start_bind(s: Resource<sk::udp::UdpSocket>, network: Resource<sk::network::Network>, local_address: sk::network::IpSocketAddress) -> Sock<()>;
        sync "wasi:sockets/udp#[method]udp-socket.finish-bind" finish_bind(s: Resource<sk::udp::UdpSocket>) -> Sock<()>;
        async "wasi:sockets/udp#[method]udp-socket.stream"
            stream(s: Resource<sk::udp::UdpSocket>, remote_address: Option<sk::network::IpSocketAddress>) -> Sock<(
                Resource<sk::udp::IncomingDatagramStream>,
                Resource<sk::udp::OutgoingDatagramStream>
            )>;
        sync "wasi:sockets/udp#[method]udp-socket.local-address" local_address(s: Resource<sk::udp::UdpSocket>) -> Sock<sk::network::IpSocketAddress>;
        sync "wasi:sockets/udp#[method]udp-socket.remote-address" remote_address(s: Resource<sk::udp::UdpSocket>) -> Sock<sk::network::IpSocketAddress>;
        sync "wasi:sockets/udp#[method]udp-socket.address-family"
            address_family(s: Resource<sk::udp::UdpSocket>) -> Trap<sk::network::IpAddressFamily>;
        sync "wasi:sockets/udp#[method]udp-socket.unicast-hop-limit" unicast_hop_limit(s: Resource<sk::udp::UdpSocket>) -> Sock<u8>;
        sync "wasi:sockets/udp#[method]udp-socket.set-unicast-hop-limit"
            set_unicast_hop_limit(s: Resource<sk::udp::UdpSocket>, value: u8) -> Sock<()>;
        sync "wasi:sockets/udp#[method]udp-socket.receive-buffer-size"
            receive_buffer_size(s: Resource<sk::udp::UdpSocket>) -> Sock<u64>;
        sync "wasi:sockets/udp#[method]udp-socket.set-receive-buffer-size"
            set_receive_buffer_size(s: Resource<sk::udp::UdpSocket>, value: u64) -> Sock<()>;
        sync "wasi:sockets/udp#[method]udp-socket.send-buffer-size" send_buffer_size(s: Resource<sk::udp::UdpSocket>) -> Sock<u64>;
        sync "wasi:sockets/udp#[method]udp-socket.set-send-buffer-size"
            set_send_buffer_size(s: Resource<sk::udp::UdpSocket>, value: u64) -> Sock<()>;
        sync "wasi:sockets/udp#[method]udp-socket.subscribe" subscribe(s: Resource<sk::udp::UdpSocket>) -> Trap<Resource<DynPollable>>;
        sync "wasi:sockets/udp#[drop]udp-socket" drop(s: Resource<sk::udp::UdpSocket>) -> Trap<()>;
    }
    sk::udp::HostIncomingDatagramStream => wasmtime_wasi::sockets::WasiSocketsCtxView<'_> = sockets, {
        sync "wasi:sockets/udp#[method]incoming-datagram-stream.receive"
            receive(s: Resource<sk::udp::IncomingDatagramStream>, max_results: u64)
                -> Sock<Vec<sk::udp::IncomingDatagram>>;
        sync "wasi:sockets/udp#[method]incoming-datagram-stream.subscribe"
            subscribe(s: Resource<sk::udp::IncomingDatagramStream>) -> Trap<Resource<DynPollable>>;
        sync "wasi:sockets/udp#[drop]incoming-datagram-stream"
            drop(s: Resource<sk::udp::IncomingDatagramStream>) -> Trap<()>;
    }
    sk::udp::HostOutgoingDatagramStream => wasmtime_wasi::sockets::WasiSocketsCtxView<'_> = sockets, {
        sync "wasi:sockets/udp#[method]outgoing-datagram-stream.check-send"
            check_send(s: Resource<sk::udp::OutgoingDatagramStream>) -> Sock<u64>;
        sync "wasi:sockets/udp#[method]outgoing-datagram-stream.send"
            send(s: Resource<sk::udp::OutgoingDatagramStream>, datagrams: Vec<sk::udp::OutgoingDatagram>)
                -> Sock<u64>;
        sync "wasi:sockets/udp#[method]outgoing-datagram-stream.subscribe"
            subscribe(s: Resource<sk::udp::OutgoingDatagramStream>) -> Trap<Resource<DynPollable>>;
        async "wasi:sockets/udp#[drop]outgoing-datagram-stream"
            drop(s: Resource<sk::udp::OutgoingDatagramStream>) -> Trap<()>;
    }
}

/// A store's data that can record or replay `wasi:http` too (`wasmdbg
/// serve`).
pub(crate) trait HttpHost: ComponentHost + WasiHttpView {}
impl<H: ComponentHost + WasiHttpView> HttpHost for H {}

fn http<H: WasiHttpView>(h: &mut H) -> wasmtime_wasi_http::WasiHttpCtxView<'_> {
    h.http()
}

interfaces! {
    HTTP_FUNCTIONS for HttpHost;
    ht::Host => wasmtime_wasi_http::WasiHttpCtxView<'_> = http, {
        sync "wasi:http/types#http-error-code"
            http_error_code(err: Resource<IoError>) -> Trap<Option<HttpErrorCode>>;
    } + converts {
        convert_error_code(HttpError) -> HttpErrorCode;
        convert_header_error(HeaderError) -> ht::HeaderError;
    }
    ht::HostFields => wasmtime_wasi_http::WasiHttpCtxView<'_> = http, {
        sync "wasi:http/types#[constructor]fields" new() -> Trap<Resource<ht::Fields>>;
        sync "wasi:http/types#[static]fields.from-list"
            from_list(entries: Vec<(String, Vec<u8>)>) -> Header<Resource<ht::Fields>>;
        sync "wasi:http/types#[method]fields.get" get(f: Resource<ht::Fields>, name: String) -> Trap<Vec<Vec<u8>>>;
        sync "wasi:http/types#[method]fields.has" has(f: Resource<ht::Fields>, name: String) -> Trap<bool>;
        sync "wasi:http/types#[method]fields.set"
            set(f: Resource<ht::Fields>, name: String, values: Vec<Vec<u8>>) -> Header<()>;
        sync "wasi:http/types#[method]fields.delete" delete(f: Resource<ht::Fields>, name: String) -> Header<()>;
        sync "wasi:http/types#[method]fields.append"
            append(f: Resource<ht::Fields>, name: String, value: Vec<u8>) -> Header<()>;
        sync "wasi:http/types#[method]fields.entries" entries(f: Resource<ht::Fields>) -> Trap<Vec<(String, Vec<u8>)>>;
        sync "wasi:http/types#[method]fields.clone" clone(f: Resource<ht::Fields>) -> Trap<Resource<ht::Fields>>;
        sync "wasi:http/types#[drop]fields" drop(f: Resource<ht::Fields>) -> Trap<()>;
    }
    ht::HostIncomingRequest => wasmtime_wasi_http::WasiHttpCtxView<'_> = http, {
        sync "wasi:http/types#[method]incoming-request.method" method(r: Resource<ht::IncomingRequest>) -> Trap<ht::Method>;
        sync "wasi:http/types#[method]incoming-request.path-with-query"
            path_with_query(r: Resource<ht::IncomingRequest>) -> Trap<Option<String>>;
        sync "wasi:http/types#[method]incoming-request.scheme" scheme(r: Resource<ht::IncomingRequest>) -> Trap<Option<ht::Scheme>>;
        sync "wasi:http/types#[method]incoming-request.authority" authority(r: Resource<ht::IncomingRequest>) -> Trap<Option<String>>;
        sync "wasi:http/types#[method]incoming-request.headers" headers(r: Resource<ht::IncomingRequest>) -> Trap<Resource<ht::Fields>>;
        sync "wasi:http/types#[method]incoming-request.consume"
            consume(r: Resource<ht::IncomingRequest>) -> Trap<Result<Resource<ht::IncomingBody>, ()>>;
        sync "wasi:http/types#[drop]incoming-request" drop(r: Resource<ht::IncomingRequest>) -> Trap<()>;
    }
    ht::HostOutgoingRequest => wasmtime_wasi_http::WasiHttpCtxView<'_> = http, {
        sync "wasi:http/types#[constructor]outgoing-request" new(headers: Resource<ht::Fields>) -> Trap<Resource<ht::OutgoingRequest>>;
        sync "wasi:http/types#[method]outgoing-request.body"
            body(r: Resource<ht::OutgoingRequest>) -> Trap<Result<Resource<ht::OutgoingBody>, ()>>;
        sync "wasi:http/types#[method]outgoing-request.method" method(r: Resource<ht::OutgoingRequest>) -> Trap<ht::Method>;
        sync "wasi:http/types#[method]outgoing-request.set-method"
            set_method(r: Resource<ht::OutgoingRequest>, method: ht::Method) -> Trap<Result<(), ()>>;
        sync "wasi:http/types#[method]outgoing-request.path-with-query"
            path_with_query(r: Resource<ht::OutgoingRequest>) -> Trap<Option<String>>;
        sync "wasi:http/types#[method]outgoing-request.set-path-with-query"
            set_path_with_query(r: Resource<ht::OutgoingRequest>, path_with_query: Option<String>) -> Trap<Result<(), ()>>;
        sync "wasi:http/types#[method]outgoing-request.scheme" scheme(r: Resource<ht::OutgoingRequest>) -> Trap<Option<ht::Scheme>>;
        sync "wasi:http/types#[method]outgoing-request.set-scheme"
            set_scheme(r: Resource<ht::OutgoingRequest>, scheme: Option<ht::Scheme>) -> Trap<Result<(), ()>>;
        sync "wasi:http/types#[method]outgoing-request.authority" authority(r: Resource<ht::OutgoingRequest>) -> Trap<Option<String>>;
        sync "wasi:http/types#[method]outgoing-request.set-authority"
            set_authority(r: Resource<ht::OutgoingRequest>, authority: Option<String>) -> Trap<Result<(), ()>>;
        sync "wasi:http/types#[method]outgoing-request.headers" headers(r: Resource<ht::OutgoingRequest>) -> Trap<Resource<ht::Fields>>;
        sync "wasi:http/types#[drop]outgoing-request" drop(r: Resource<ht::OutgoingRequest>) -> Trap<()>;
    }
    ht::HostRequestOptions => wasmtime_wasi_http::WasiHttpCtxView<'_> = http, {
        sync "wasi:http/types#[constructor]request-options" new() -> Trap<Resource<ht::RequestOptions>>;
        sync "wasi:http/types#[method]request-options.connect-timeout"
            connect_timeout(o: Resource<ht::RequestOptions>) -> Trap<Option<ht::Duration>>;
        sync "wasi:http/types#[method]request-options.set-connect-timeout"
            set_connect_timeout(o: Resource<ht::RequestOptions>, duration: Option<ht::Duration>) -> Trap<Result<(), ()>>;
        sync "wasi:http/types#[method]request-options.first-byte-timeout"
            first_byte_timeout(o: Resource<ht::RequestOptions>) -> Trap<Option<ht::Duration>>;
        sync "wasi:http/types#[method]request-options.set-first-byte-timeout"
            set_first_byte_timeout(o: Resource<ht::RequestOptions>, duration: Option<ht::Duration>) -> Trap<Result<(), ()>>;
        sync "wasi:http/types#[method]request-options.between-bytes-timeout"
            between_bytes_timeout(o: Resource<ht::RequestOptions>) -> Trap<Option<ht::Duration>>;
        sync "wasi:http/types#[method]request-options.set-between-bytes-timeout"
            set_between_bytes_timeout(o: Resource<ht::RequestOptions>, duration: Option<ht::Duration>) -> Trap<Result<(), ()>>;
        sync "wasi:http/types#[drop]request-options" drop(o: Resource<ht::RequestOptions>) -> Trap<()>;
    }
    ht::HostResponseOutparam => wasmtime_wasi_http::WasiHttpCtxView<'_> = http, {
        sync "wasi:http/types#[static]response-outparam.set"
            set(o: Resource<ht::ResponseOutparam>, response: Result<Resource<ht::OutgoingResponse>, HttpErrorCode>) -> Trap<()>;
        sync "wasi:http/types#[method]response-outparam.send-informational"
            send_informational(o: Resource<ht::ResponseOutparam>, status: u16, headers: Resource<ht::Fields>) -> Http<()>;
        sync "wasi:http/types#[drop]response-outparam" drop(o: Resource<ht::ResponseOutparam>) -> Trap<()>;
    }
    ht::HostIncomingResponse => wasmtime_wasi_http::WasiHttpCtxView<'_> = http, {
        sync "wasi:http/types#[method]incoming-response.status" status(r: Resource<ht::IncomingResponse>) -> Trap<ht::StatusCode>;
        sync "wasi:http/types#[method]incoming-response.headers" headers(r: Resource<ht::IncomingResponse>) -> Trap<Resource<ht::Fields>>;
        sync "wasi:http/types#[method]incoming-response.consume"
            consume(r: Resource<ht::IncomingResponse>) -> Trap<Result<Resource<ht::IncomingBody>, ()>>;
        sync "wasi:http/types#[drop]incoming-response" drop(r: Resource<ht::IncomingResponse>) -> Trap<()>;
    }
    ht::HostIncomingBody => wasmtime_wasi_http::WasiHttpCtxView<'_> = http, {
        sync "wasi:http/types#[method]incoming-body.stream"
            stream(b: Resource<ht::IncomingBody>) -> Trap<Result<Resource<DynInputStream>, ()>>;
        sync "wasi:http/types#[static]incoming-body.finish"
            finish(b: Resource<ht::IncomingBody>) -> Trap<Resource<ht::FutureTrailers>>;
        sync "wasi:http/types#[drop]incoming-body" drop(b: Resource<ht::IncomingBody>) -> Trap<()>;
    }
    ht::HostFutureTrailers => wasmtime_wasi_http::WasiHttpCtxView<'_> = http, {
        sync "wasi:http/types#[method]future-trailers.subscribe"
            subscribe(t: Resource<ht::FutureTrailers>) -> Trap<Resource<DynPollable>>;
        sync "wasi:http/types#[method]future-trailers.get"
            get(t: Resource<ht::FutureTrailers>) -> Trap<Option<Result<Result<Option<Resource<ht::Fields>>, HttpErrorCode>, ()>>>;
        sync "wasi:http/types#[drop]future-trailers" drop(t: Resource<ht::FutureTrailers>) -> Trap<()>;
    }
    ht::HostOutgoingResponse => wasmtime_wasi_http::WasiHttpCtxView<'_> = http, {
        sync "wasi:http/types#[constructor]outgoing-response" new(headers: Resource<ht::Fields>) -> Trap<Resource<ht::OutgoingResponse>>;
        sync "wasi:http/types#[method]outgoing-response.status-code"
            status_code(r: Resource<ht::OutgoingResponse>) -> Trap<ht::StatusCode>;
        sync "wasi:http/types#[method]outgoing-response.set-status-code"
            set_status_code(r: Resource<ht::OutgoingResponse>, status: ht::StatusCode) -> Trap<Result<(), ()>>;
        sync "wasi:http/types#[method]outgoing-response.headers" headers(r: Resource<ht::OutgoingResponse>) -> Trap<Resource<ht::Fields>>;
        sync "wasi:http/types#[method]outgoing-response.body"
            body(r: Resource<ht::OutgoingResponse>) -> Trap<Result<Resource<ht::OutgoingBody>, ()>>;
        sync "wasi:http/types#[drop]outgoing-response" drop(r: Resource<ht::OutgoingResponse>) -> Trap<()>;
    }
    ht::HostOutgoingBody => wasmtime_wasi_http::WasiHttpCtxView<'_> = http, {
        sync "wasi:http/types#[method]outgoing-body.write"
            write(b: Resource<ht::OutgoingBody>) -> Trap<Result<Resource<DynOutputStream>, ()>>;
        sync "wasi:http/types#[static]outgoing-body.finish"
            finish(b: Resource<ht::OutgoingBody>, trailers: Option<Resource<ht::Fields>>) -> Http<()>;
        sync "wasi:http/types#[drop]outgoing-body" drop(b: Resource<ht::OutgoingBody>) -> Trap<()>;
    }
    ht::HostFutureIncomingResponse => wasmtime_wasi_http::WasiHttpCtxView<'_> = http, {
        sync "wasi:http/types#[method]future-incoming-response.subscribe"
            subscribe(f: Resource<ht::FutureIncomingResponse>) -> Trap<Resource<DynPollable>>;
        sync "wasi:http/types#[method]future-incoming-response.get"
            get(f: Resource<ht::FutureIncomingResponse>) -> Trap<Option<Result<Result<Resource<ht::IncomingResponse>, HttpErrorCode>, ()>>>;
        sync "wasi:http/types#[drop]future-incoming-response" drop(f: Resource<ht::FutureIncomingResponse>) -> Trap<()>;
    }
    wasmtime_wasi_http::p2::bindings::http::outgoing_handler::Host => wasmtime_wasi_http::WasiHttpCtxView<'_> = http, {
        sync "wasi:http/outgoing-handler#handle"
            handle(r: Resource<ht::OutgoingRequest>, options: Option<Resource<ht::RequestOptions>>)
                -> Http<Resource<ht::FutureIncomingResponse>>;
    }
}

/// The name a stream error's conversion is logged under: it is where the
/// host puts a failed operation's `error` in its table, so its handle is
/// part of the trace.
pub(crate) const CONVERT_STREAM_ERROR: &str = "wasi:io/streams#(stream-error)";

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
        self.host
            .record(const { index_of(CONVERT_STREAM_ERROR) }, args, returned);
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

/// The index of `name` in [`all_functions`], computed while compiling
/// (`const { index_of("...") }`: a name the tables do not list fails the
/// build), so logging a call looks nothing up.
pub(crate) const fn index_of(name: &str) -> u16 {
    let lists: [&[&str]; 4] = [
        FUNCTIONS,
        SOCKETS_FUNCTIONS,
        HTTP_FUNCTIONS,
        &[CONVERT_STREAM_ERROR],
    ];
    let mut base = 0;
    let mut l = 0;
    while l < lists.len() {
        let list = lists[l];
        let mut i = 0;
        while i < list.len() {
            if same_text(list[i], name) {
                // all_functions has a few hundred: they fit.
                return (base + i) as u16;
            }
            i += 1;
        }
        base += list.len();
        l += 1;
    }
    panic!("a function the interface tables do not list")
}

/// `a == b`, in a `const fn`.
const fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Every name a trace may hold: the tables' functions and the one logged
/// by hand.
pub(crate) fn all_functions() -> Vec<&'static str> {
    let mut all = FUNCTIONS.to_vec();
    all.extend(SOCKETS_FUNCTIONS);
    all.extend(HTTP_FUNCTIONS);
    all.push(CONVERT_STREAM_ERROR);
    all
}
