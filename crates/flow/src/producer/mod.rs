//! Producers (goflow2's idea): one module per source mapping its decoded records to the one
//! flow model. Decoders (`pmacct_wire`) stay protocol-pure; what pmacct's daemons do while
//! filling `pkt_data` lives here.
//!
//! - [`netflow`]: NetFlow/IPFIX records (nfacctd).
//! - [`sflow`]: sFlow flow samples (sfacctd), and `sfacctd_renormalize`'s state.
//! - [`packet`]: captured frames (pmacctd), with its fragment table.
//! - [`nflog`]: NFLOG packets (uacctd) rebuilt as frames for [`packet`].

pub mod netflow;
pub mod nflog;
pub mod packet;
pub mod sflow;
