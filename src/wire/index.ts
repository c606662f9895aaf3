/**
 * The BitTorrent wire side of PBTS: the `pbts_receipt` BEP 10 extension that carries receipts
 * from downloaders to uploaders.
 * @module
 */
export * from './messages.ts';
export * from './extension.ts';
