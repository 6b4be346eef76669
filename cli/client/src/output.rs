//! Where a command writes.

use std::io::Write;

/// Where a command writes: results on `out`, progress and notes on `err`.
pub struct Output<'a> {
    pub out: &'a mut (dyn Write + Send),
    pub err: &'a mut (dyn Write + Send),
    /// Draw a spinner on `err` (only when it is a terminal).
    pub err_is_tty: bool,
}
