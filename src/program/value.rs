//! Values of source variables as DWARF describes them, and how they are
//! shown: the data every front end renders (`print`, `info locals`, DAP
//! variables), made by [`super::variables`] from a frame's Wasm state.

/// How source values are shown (gdb's `set print elements`, `set print
/// max-depth` and `print/r`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PrintOptions {
    /// Most elements of one array or container, and bytes of one string;
    /// `None`: no limit (gdb's `unlimited`). Default 200, as gdb.
    pub elements: Option<u64>,
    /// How deeply nested structs, containers and referenced values are
    /// shown; `None`: no limit. Default 20, as gdb.
    pub max_depth: Option<u64>,
    /// The raw DWARF structure, without data formatters (`print/r`).
    pub raw: bool,
}

impl Default for PrintOptions {
    fn default() -> Self {
        PrintOptions {
            elements: Some(200),
            max_depth: Some(20),
            raw: false,
        }
    }
}

/// A source variable at a pause.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Variable {
    /// Its name in the source.
    pub name: String,
    /// A function parameter (else a local variable).
    pub is_param: bool,
    /// Its type as C writes it (`int`, `char *`, `struct point`).
    pub type_name: String,
    /// Its value.
    pub value: SourceValue,
}

/// A value of a source type, read through DWARF.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum SourceValue {
    /// An integer (signedness applied), of a type `bytes` long (DWARF's
    /// `DW_AT_byte_size`: what `print/x` and the hex display of a negative
    /// value are as wide as).
    Int {
        /// The value.
        value: i128,
        /// Its type's size in bytes (at most 16; an expression's computed
        /// result is a `long long`, 8); 0 when not known.
        bytes: u8,
    },
    /// A `char`: its code.
    Char(i64),
    /// A `bool`.
    Bool(bool),
    /// A `double` (or wider float read as one).
    Float(f64),
    /// A `float`.
    Float32(f32),
    /// An enum: its value and the enumerator's name when one matches.
    Enum {
        /// The value.
        value: i64,
        /// The enumerator with that value.
        name: Option<String>,
    },
    /// A pointer (or C++ reference): the address in linear memory; for
    /// `char *`, the string there (or why it cannot be read); for a
    /// reference, the value it refers to.
    Pointer {
        /// The address.
        address: u64,
        /// The NUL-terminated string at the address, for `char *`.
        string: Option<Result<Vec<u8>, String>>,
        /// The referred-to value, for a reference.
        referent: Option<Box<SourceValue>>,
    },
    /// A struct, class or union: (member, value) in declaration order.
    Struct(Vec<(String, SourceValue)>),
    /// An array: its elements (the first 200), and how many more there are.
    Array {
        /// The elements shown.
        items: Vec<SourceValue>,
        /// Elements not shown.
        more: u64,
    },
    /// A `char` array, shown as a string.
    CharArray(Vec<u8>),
    /// A Unicode scalar value (Rust's `char`, DWARF's `DW_ATE_UTF`).
    Unicode(u32),
    /// A string a data formatter read (Rust's `String`, `&str`, `PathBuf`,
    /// `OsString`; C++'s `std::string`, `std::string_view`): its first
    /// bytes (the `print elements` limit) and how many more there are.
    Str {
        /// The bytes shown (UTF-8 for Rust; bytes for C++).
        bytes: Vec<u8>,
        /// Bytes not shown.
        more: u64,
    },
    /// A Rust struct, tuple, tuple struct, unit or enum variant, as Rust
    /// writes it: `Point {x: 1, y: 2}`, `(1, 'x')`, `Some(5)`, `None`,
    /// `()`. Fields named `__0`, `__1`, ... are positional.
    Record {
        /// The type's or variant's name (`Point`, `Some`,
        /// `Shape::Circle`); empty for a tuple or unit.
        name: String,
        /// (field, value) in declaration order.
        fields: Vec<(String, SourceValue)>,
    },
    /// A container a data formatter read (`Vec`, `VecDeque`, a slice,
    /// `HashSet`, `BTreeSet`, `std::vector`, `std::array`; an empty `name`
    /// for a Rust array): its length and first elements (the `print
    /// elements` limit).
    Sequence {
        /// The container's name (`Vec`, `&[i64]`, `std::vector`).
        name: String,
        /// Its length, as the container says.
        len: u64,
        /// The elements shown.
        items: Vec<SourceValue>,
        /// Elements not shown.
        more: u64,
    },
    /// A map a data formatter read (`HashMap`, `BTreeMap`, `std::map`,
    /// `std::unordered_map`): its length and first entries.
    Map {
        /// The map's name.
        name: String,
        /// Its length, as the map says.
        len: u64,
        /// (key, value) pairs shown, in the map's order.
        entries: Vec<(SourceValue, SourceValue)>,
        /// Entries not shown.
        more: u64,
    },
    /// A value held by a wrapper with facts of its own: `Rc` and `Arc`
    /// (strong and weak counts), `RefCell` (borrow state), `Cell`,
    /// `std::shared_ptr` (counts), `std::optional`.
    Wrapper {
        /// The wrapper's name (`Rc`, `RefCell`, `std::shared_ptr`).
        name: String,
        /// Its facts: (name, number), such as `("strong", 2)`.
        facts: Vec<(String, i128)>,
        /// The held value.
        value: Box<SourceValue>,
    },
    /// Not shown: nested deeper than the `print max-depth` limit.
    TooDeep,
    /// A container whose own fields contradict each other or point
    /// outside memory (a length past its capacity, a cycle): why. The
    /// rest of the enclosing value is still shown.
    Corrupted(String),
    /// No location at this pc.
    OptimizedOut,
    /// It could not be read; why.
    Unavailable(String),
}

impl SourceValue {
    /// The value as a number, when it is one: an integer (to 64 bits),
    /// character, bool (0 or 1), enum, pointer (its address) or float.
    /// `None` for aggregates, strings and values that could not be read.
    pub fn number(&self) -> Option<super::expr::Num> {
        use super::expr::Num;
        Some(match self {
            SourceValue::Int { value, .. } => Num::Int(*value as i64),
            SourceValue::Char(n) => Num::Int(*n),
            SourceValue::Unicode(c) => Num::Int(i64::from(*c)),
            SourceValue::Bool(b) => Num::Int32(i32::from(*b)),
            SourceValue::Enum { value, .. } => Num::Int(*value),
            SourceValue::Pointer { address, .. } => Num::Int(*address as i64),
            SourceValue::Float(f) => Num::Float(*f),
            SourceValue::Float32(f) => Num::Float(f64::from(*f)),
            _ => return None,
        })
    }
}
