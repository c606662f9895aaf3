// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Reputation
/// @notice The reputation ledger of one tracker identity. Only `owner` (the tracker's key) writes,
/// through sequenced batches that apply exactly once, so a tracker that crashes or retries after an
/// RPC outage can resubmit a batch without double-crediting anyone. The chain also serves as the
/// directory of users' BLS public keys that peers trust when the tracker is gone. Reads fall back
/// exactly one hop to `referrer` (the predecessor identity), never further.
contract Reputation {
    /// @notice Upload and download totals of one user, in bytes; one storage slot.
    struct Record {
        uint128 uploaded;
        uint128 downloaded;
    }

    /// @notice A new user with an initial upload credit.
    struct Registration {
        string userId;
        bytes publicKey;
        uint128 uploaded;
    }

    /// @notice Amounts added to a registered user's totals.
    struct Update {
        bytes32 id;
        uint128 uploadedDelta;
        uint128 downloadedDelta;
    }

    /// @dev A 48-byte compressed BLS12-381 G1 public key in two slots, with the registered flag packed
    /// into the second one so that checking registration costs no extra storage read.
    struct Key {
        bytes32 head;
        bytes16 tail;
        bool registered;
    }

    uint256 private constant PUBLIC_KEY_LENGTH = 48;

    address public immutable owner;
    address public immutable referrer;
    uint64 public lastSequence;

    mapping(bytes32 id => Record) private records;
    mapping(bytes32 id => Key) private keys;
    /// @dev keccak256(publicKey) of every key registered here, so one key never serves two users.
    mapping(bytes32 keyHash => bool) private keyTaken;

    event UserRegistered(bytes32 indexed id, string userId, bytes publicKey, uint128 uploaded);
    event ReputationUpdated(bytes32 indexed id, uint128 uploaded, uint128 downloaded);
    event BatchApplied(uint64 indexed sequence, uint256 registrations, uint256 updates);
    event UserMigrated(bytes32 indexed id, address indexed from, uint128 uploaded, uint128 downloaded);

    error NotOwner();
    error BadSequence(uint64 expected, uint64 got);
    error UserExists(bytes32 id);
    error BadPublicKey(bytes32 id, uint256 length);
    error KeyExists(bytes32 id);
    error UnknownUser(bytes32 id);
    error NoReferrer();
    error NotInReferrer(bytes32 id);

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    constructor(address owner_, address referrer_) {
        owner = owner_;
        referrer = referrer_;
    }

    /// @notice The key under which `userId` is stored: keccak256 of its UTF-8 bytes.
    function userKey(string calldata userId) external pure returns (bytes32) {
        return keccak256(bytes(userId));
    }

    /// @notice Applies batch `sequence` (which must be `lastSequence + 1`): registrations first, then
    /// updates, which may refer to users registered in the same batch.
    function applyBatch(uint64 sequence, Registration[] calldata registrations, Update[] calldata updates)
        external
        onlyOwner
    {
        uint64 expected = lastSequence + 1;
        if (sequence != expected) revert BadSequence(expected, sequence);
        lastSequence = sequence;

        for (uint256 i = 0; i < registrations.length; ++i) {
            _register(registrations[i]);
        }
        for (uint256 i = 0; i < updates.length; ++i) {
            Update calldata update = updates[i];
            bytes32 id = update.id;
            if (!keys[id].registered) revert UnknownUser(id);
            Record storage record = records[id];
            uint128 uploaded = record.uploaded + update.uploadedDelta;
            uint128 downloaded = record.downloaded + update.downloadedDelta;
            record.uploaded = uploaded;
            record.downloaded = downloaded;
            emit ReputationUpdated(id, uploaded, downloaded);
        }
        emit BatchApplied(sequence, registrations.length, updates.length);
    }

    /// @notice Copies user `id`'s record and key from the referrer into this contract.
    function migrateUser(bytes32 id) external onlyOwner {
        if (referrer == address(0)) revert NoReferrer();
        if (keys[id].registered) revert UserExists(id);
        (uint128 uploaded, uint128 downloaded, bool found) = Reputation(referrer).localReputationOf(id);
        if (!found) revert NotInReferrer(id);
        (bytes memory publicKey,) = Reputation(referrer).localPublicKeyOf(id);
        _storeKey(id, publicKey);
        records[id] = Record(uploaded, downloaded);
        emit UserMigrated(id, referrer, uploaded, downloaded);
    }

    /// @notice User `id`'s totals here, or else in the referrer (one hop); `source` is the contract
    /// that holds the record, zero when not found.
    function reputationOf(bytes32 id)
        external
        view
        returns (uint128 uploaded, uint128 downloaded, bool found, address source)
    {
        (uploaded, downloaded, found) = localReputationOf(id);
        if (found) return (uploaded, downloaded, true, address(this));
        if (referrer == address(0)) return (0, 0, false, address(0));
        (uploaded, downloaded, found) = Reputation(referrer).localReputationOf(id);
        return (uploaded, downloaded, found, found ? referrer : address(0));
    }

    /// @notice User `id`'s public key here, or else in the referrer (one hop); empty when not found.
    function publicKeyOf(bytes32 id) external view returns (bytes memory publicKey, bool found, address source) {
        (publicKey, found) = localPublicKeyOf(id);
        if (found) return (publicKey, true, address(this));
        if (referrer == address(0)) return (publicKey, false, address(0));
        (publicKey, found) = Reputation(referrer).localPublicKeyOf(id);
        return (publicKey, found, found ? referrer : address(0));
    }

    /// @notice User `id`'s totals in this contract only.
    function localReputationOf(bytes32 id) public view returns (uint128 uploaded, uint128 downloaded, bool found) {
        if (!keys[id].registered) return (0, 0, false);
        Record storage record = records[id];
        return (record.uploaded, record.downloaded, true);
    }

    /// @notice User `id`'s public key in this contract only; empty when not registered here.
    function localPublicKeyOf(bytes32 id) public view returns (bytes memory publicKey, bool found) {
        Key storage key = keys[id];
        if (!key.registered) return ("", false);
        return (abi.encodePacked(key.head, key.tail), true);
    }

    /// @notice Whether user `id` is registered in this contract (the referrer is not consulted).
    function isRegistered(bytes32 id) external view returns (bool) {
        return keys[id].registered;
    }

    function _register(Registration calldata registration) private {
        bytes32 id = keccak256(bytes(registration.userId));
        if (keys[id].registered) revert UserExists(id);
        if (registration.publicKey.length != PUBLIC_KEY_LENGTH) {
            revert BadPublicKey(id, registration.publicKey.length);
        }
        _storeKey(id, registration.publicKey);
        records[id] = Record(registration.uploaded, 0);
        emit UserRegistered(id, registration.userId, registration.publicKey, registration.uploaded);
    }

    /// @dev `publicKey` is 48 bytes (checked by the caller or by the referrer that stored it).
    function _storeKey(bytes32 id, bytes memory publicKey) private {
        bytes32 keyHash = keccak256(publicKey);
        if (keyTaken[keyHash]) revert KeyExists(id);
        keyTaken[keyHash] = true;
        bytes32 head;
        bytes16 tail;
        assembly ("memory-safe") {
            head := mload(add(publicKey, 32))
            tail := and(mload(add(publicKey, 64)), not(sub(shl(128, 1), 1)))
        }
        keys[id] = Key(head, tail, true);
    }
}
