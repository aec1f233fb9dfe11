package fcm

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/proto"

	"github.com/pushspec/pushspec/fakes/fcm/internal/gcmpb"
)

// MCS framing. After the TLS handshake each side sends the version octet
// once; then every frame is a tag octet, the payload length as a protobuf
// varint, and the payload, one protobuf message whose type the tag names.

// mcsVersion is the protocol version Chromium sends and expects back.
const mcsVersion = 41

// MCS tags: the message type of a frame.
const (
	tagHeartbeatPing     = 0
	tagHeartbeatAck      = 1
	tagLoginRequest      = 2
	tagLoginResponse     = 3
	tagClose             = 4
	tagIqStanza          = 7
	tagDataMessageStanza = 8
	tagStreamError       = 10
)

// The Extension ids of an IqStanza that carry acknowledgements.
const (
	extSelectiveAck = 12
	extStreamAck    = 13
)

// MaxFrameSize bounds the payload of one MCS frame. A Web Push message is at
// most 4096 octets, so a frame past this limit is a protocol error.
const MaxFrameSize = 64 << 10

// ErrFrame is wrapped by the errors of a frame that breaks MCS framing.
var ErrFrame = errors.New("malformed MCS frame")

// readFrame reads one frame: its tag and payload.
func readFrame(r *bufio.Reader) (tag byte, payload []byte, err error) {
	tag, err = r.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	size, err := binary.ReadUvarint(r)
	switch {
	case errors.Is(err, io.EOF):
		return 0, nil, fmt.Errorf("reading the size of a frame with tag %d: %w: %w", tag,
			ErrFrame, io.ErrUnexpectedEOF)
	case err != nil:
		return 0, nil, fmt.Errorf("reading the size of a frame with tag %d: %w: %w", tag,
			ErrFrame, err)
	case size > MaxFrameSize:
		return 0, nil, fmt.Errorf("frame with tag %d declares %d octets, over the %d allowed: %w",
			tag, size, MaxFrameSize, ErrFrame)
	}
	payload = make([]byte, size)
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, fmt.Errorf("reading the %d octets of a frame with tag %d: %w: %w", size,
			tag, ErrFrame, err)
	}
	return tag, payload, nil
}

// appendFrame appends the frame of m, whose type tag names, to dst.
func appendFrame(dst []byte, tag byte, m proto.Message) ([]byte, error) {
	payload, err := proto.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding a frame with tag %d: %w", tag, err)
	}
	dst = append(dst, tag)
	dst = binary.AppendUvarint(dst, uint64(len(payload)))
	return append(dst, payload...), nil
}

// newMessage returns an empty message of the type tag names, or nil for a
// tag fakes/fcm does not know.
func newMessage(tag byte) proto.Message {
	switch tag {
	case tagHeartbeatPing:
		return &gcmpb.HeartbeatPing{}
	case tagHeartbeatAck:
		return &gcmpb.HeartbeatAck{}
	case tagLoginRequest:
		return &gcmpb.LoginRequest{}
	case tagLoginResponse:
		return &gcmpb.LoginResponse{}
	case tagClose:
		return &gcmpb.Close{}
	case tagIqStanza:
		return &gcmpb.IqStanza{}
	case tagDataMessageStanza:
		return &gcmpb.DataMessageStanza{}
	case tagStreamError:
		return &gcmpb.StreamErrorStanza{}
	}
	return nil
}

// decodeFrame parses the payload of a frame with the given tag.
func decodeFrame(tag byte, payload []byte) (proto.Message, error) {
	m := newMessage(tag)
	if m == nil {
		return nil, fmt.Errorf("tag %d is not an MCS message type: %w", tag, ErrFrame)
	}
	if err := proto.Unmarshal(payload, m); err != nil {
		return nil, fmt.Errorf("decoding a frame with tag %d: %w: %w", tag, ErrFrame, err)
	}
	return m, nil
}

// lastStreamIDReceived returns the acknowledgement a client message carries:
// the number of server frames the client had received when it sent it.
func lastStreamIDReceived(m proto.Message) int32 {
	switch m := m.(type) {
	case *gcmpb.HeartbeatPing:
		return m.GetLastStreamIdReceived()
	case *gcmpb.HeartbeatAck:
		return m.GetLastStreamIdReceived()
	case *gcmpb.IqStanza:
		return m.GetLastStreamIdReceived()
	case *gcmpb.DataMessageStanza:
		return m.GetLastStreamIdReceived()
	}
	return 0
}

// setLastStreamIDReceived stamps a server message with the number of client
// frames received, which tells the client what the server has seen.
func setLastStreamIDReceived(m proto.Message, n int32) {
	switch m := m.(type) {
	case *gcmpb.HeartbeatPing:
		m.LastStreamIdReceived = proto.Int32(n)
	case *gcmpb.HeartbeatAck:
		m.LastStreamIdReceived = proto.Int32(n)
	case *gcmpb.LoginResponse:
		m.LastStreamIdReceived = proto.Int32(n)
	case *gcmpb.IqStanza:
		m.LastStreamIdReceived = proto.Int32(n)
	case *gcmpb.DataMessageStanza:
		m.LastStreamIdReceived = proto.Int32(n)
	}
}
