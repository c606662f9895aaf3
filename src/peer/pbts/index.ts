/**
 * The PBTS peer: BitTorrent with receipts (sign, check, keep, report) and the incentive to send
 * them, over the engine of `src/peer` and the wire extension of `src/wire`.
 * @module
 */
export { defaultReceiptLead, MIN_RECEIPT_LEAD, PbtsPeer, RECEIPT_LEAD_BYTES, type PbtsPeerEvents, type PbtsPeerOptions, type PbtsPeerStats, type PlainPeerPolicy } from './peer.ts';
