// The Sendmail milter protocol's constants (version 6, Sendmail 8.14+ and Postfix 2.6+):
// command and reply codes, action (SMFIF_*) and protocol (SMFIP_*) flags, macro stages
// (SMFIM_*) and address families. Names and values are the protocol's own, as in libmilter's
// mfdef.h and Postfix's src/milter/milter8.c; see docs/milter-protocol.md.
#pragma once

#include <cstddef>
#include <cstdint>

namespace backstop::milter {

inline constexpr uint32_t kProtocolVersion = 6;       // SMFI_PROT_VERSION
inline constexpr uint32_t kMinProtocolVersion = 2;    // the oldest an MTA may offer (Postfix: 2)
inline constexpr size_t kChunkSize = 65535;           // MILTER_CHUNK_SIZE: MTA body chunks
inline constexpr size_t kDefaultMaxPacket = 1 << 20;  // our decoder's default packet limit

// Commands, MTA to filter (SMFIC_*).
inline constexpr char SMFIC_ABORT = 'A';
inline constexpr char SMFIC_BODY = 'B';
inline constexpr char SMFIC_CONNECT = 'C';
inline constexpr char SMFIC_MACRO = 'D';
inline constexpr char SMFIC_BODYEOB = 'E';
inline constexpr char SMFIC_HELO = 'H';
inline constexpr char SMFIC_QUIT_NC = 'K';
inline constexpr char SMFIC_HEADER = 'L';
inline constexpr char SMFIC_MAIL = 'M';
inline constexpr char SMFIC_EOH = 'N';
inline constexpr char SMFIC_OPTNEG = 'O';
inline constexpr char SMFIC_QUIT = 'Q';
inline constexpr char SMFIC_RCPT = 'R';
inline constexpr char SMFIC_DATA = 'T';
inline constexpr char SMFIC_UNKNOWN = 'U';

// Replies, filter to MTA (SMFIR_*). SMFIR_SETSYMLIST is listed for completeness: macro lists
// travel inside the SMFIC_OPTNEG reply, never as a packet of their own.
inline constexpr char SMFIR_ADDRCPT = '+';
inline constexpr char SMFIR_DELRCPT = '-';
inline constexpr char SMFIR_ADDRCPT_PAR = '2';
inline constexpr char SMFIR_SHUTDOWN = '4';
inline constexpr char SMFIR_ACCEPT = 'a';
inline constexpr char SMFIR_REPLBODY = 'b';
inline constexpr char SMFIR_CONTINUE = 'c';
inline constexpr char SMFIR_DISCARD = 'd';
inline constexpr char SMFIR_CHGFROM = 'e';
inline constexpr char SMFIR_CONN_FAIL = 'f';
inline constexpr char SMFIR_ADDHEADER = 'h';
inline constexpr char SMFIR_INSHEADER = 'i';
inline constexpr char SMFIR_SETSYMLIST = 'l';
inline constexpr char SMFIR_CHGHEADER = 'm';
inline constexpr char SMFIR_PROGRESS = 'p';
inline constexpr char SMFIR_QUARANTINE = 'q';
inline constexpr char SMFIR_REJECT = 'r';
inline constexpr char SMFIR_SKIP = 's';
inline constexpr char SMFIR_TEMPFAIL = 't';
inline constexpr char SMFIR_REPLYCODE = 'y';

// Actions the filter may take at end of message (SMFIF_*), offered by the MTA in OPTNEG.
inline constexpr uint32_t SMFIF_NONE = 0x000;
inline constexpr uint32_t SMFIF_ADDHDRS = 0x001;      // add headers
inline constexpr uint32_t SMFIF_CHGBODY = 0x002;      // replace the body
inline constexpr uint32_t SMFIF_ADDRCPT = 0x004;      // add recipients
inline constexpr uint32_t SMFIF_DELRCPT = 0x008;      // delete recipients
inline constexpr uint32_t SMFIF_CHGHDRS = 0x010;      // change or delete headers
inline constexpr uint32_t SMFIF_QUARANTINE = 0x020;   // quarantine the envelope
inline constexpr uint32_t SMFIF_CHGFROM = 0x040;      // change the envelope sender (v6)
inline constexpr uint32_t SMFIF_ADDRCPT_PAR = 0x080;  // add recipients with ESMTP args (v6)
inline constexpr uint32_t SMFIF_SETSYMLIST = 0x100;   // send macro lists in OPTNEG (v6)

// Protocol flags (SMFIP_*): steps the MTA can leave out and replies the filter can leave out.
// The MTA offers the ones it supports; the filter answers with the subset it wants.
inline constexpr uint32_t SMFIP_NOCONNECT = 0x00000001;    // no SMFIC_CONNECT
inline constexpr uint32_t SMFIP_NOHELO = 0x00000002;       // no SMFIC_HELO
inline constexpr uint32_t SMFIP_NOMAIL = 0x00000004;       // no SMFIC_MAIL
inline constexpr uint32_t SMFIP_NORCPT = 0x00000008;       // no SMFIC_RCPT
inline constexpr uint32_t SMFIP_NOBODY = 0x00000010;       // no SMFIC_BODY
inline constexpr uint32_t SMFIP_NOHDRS = 0x00000020;       // no SMFIC_HEADER
inline constexpr uint32_t SMFIP_NOEOH = 0x00000040;        // no SMFIC_EOH
inline constexpr uint32_t SMFIP_NR_HDR = 0x00000080;       // no reply to SMFIC_HEADER
inline constexpr uint32_t SMFIP_NOHREPL = SMFIP_NR_HDR;    // the older name
inline constexpr uint32_t SMFIP_NOUNKNOWN = 0x00000100;    // no SMFIC_UNKNOWN
inline constexpr uint32_t SMFIP_NODATA = 0x00000200;       // no SMFIC_DATA
inline constexpr uint32_t SMFIP_SKIP = 0x00000400;         // the MTA understands SMFIR_SKIP
inline constexpr uint32_t SMFIP_RCPT_REJ = 0x00000800;     // send RCPTs the MTA rejected too
inline constexpr uint32_t SMFIP_NR_CONN = 0x00001000;      // no reply to SMFIC_CONNECT
inline constexpr uint32_t SMFIP_NR_HELO = 0x00002000;      // no reply to SMFIC_HELO
inline constexpr uint32_t SMFIP_NR_MAIL = 0x00004000;      // no reply to SMFIC_MAIL
inline constexpr uint32_t SMFIP_NR_RCPT = 0x00008000;      // no reply to SMFIC_RCPT
inline constexpr uint32_t SMFIP_NR_DATA = 0x00010000;      // no reply to SMFIC_DATA
inline constexpr uint32_t SMFIP_NR_UNKN = 0x00020000;      // no reply to SMFIC_UNKNOWN
inline constexpr uint32_t SMFIP_NR_EOH = 0x00040000;       // no reply to SMFIC_EOH
inline constexpr uint32_t SMFIP_NR_BODY = 0x00080000;      // no reply to SMFIC_BODY
inline constexpr uint32_t SMFIP_HDR_LEADSPC = 0x00100000;  // header values keep leading space
inline constexpr uint32_t SMFIP_MDS_256K = 0x10000000;     // MTA may send data up to 256 KiB
inline constexpr uint32_t SMFIP_MDS_1M = 0x20000000;       // MTA may send data up to 1 MiB

// Macro stages (SMFIM_*) of the macro lists in the OPTNEG reply. EOM is 5 and EOH 6.
inline constexpr uint32_t SMFIM_CONNECT = 0;
inline constexpr uint32_t SMFIM_HELO = 1;
inline constexpr uint32_t SMFIM_ENVFROM = 2;
inline constexpr uint32_t SMFIM_ENVRCPT = 3;
inline constexpr uint32_t SMFIM_DATA = 4;
inline constexpr uint32_t SMFIM_EOM = 5;
inline constexpr uint32_t SMFIM_EOH = 6;

// Address families in SMFIC_CONNECT (SMFIA_*).
inline constexpr char SMFIA_UNKNOWN = 'U';
inline constexpr char SMFIA_UNIX = 'L';
inline constexpr char SMFIA_INET = '4';
inline constexpr char SMFIA_INET6 = '6';

}  // namespace backstop::milter
