// PBTS never uses WebRTC peers; fail loudly if anything tries to.
function unavailable () { throw new Error('WebRTC is not available in PBTS (webrtc-polyfill stub)') }
module.exports = { RTCPeerConnection: unavailable, RTCSessionDescription: unavailable, RTCIceCandidate: unavailable }
