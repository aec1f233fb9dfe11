package fcm

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pushspec/pushspec/fakes/fcm/internal/gcmpb"
)

func TestAppendFrameBytes(t *testing.T) {
	tests := []struct {
		name string
		tag  byte
		m    proto.Message
		want []byte
	}{
		{"empty heartbeat ack", tagHeartbeatAck, &gcmpb.HeartbeatAck{}, []byte{1, 0}},
		{"login response", tagLoginResponse, &gcmpb.LoginResponse{Id: proto.String("x")},
			[]byte{3, 3, 0x0a, 1, 'x'}},
		{"stream ack iq", tagIqStanza, &gcmpb.IqStanza{Type: gcmpb.IqStanza_SET.Enum(),
			Id: proto.String(""), LastStreamIdReceived: proto.Int32(5)},
			[]byte{7, 6, 0x10, 1, 0x1a, 0, 0x50, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := appendFrame(nil, tt.tag, tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("got % x, want % x", got, tt.want)
			}
		})
	}
}

func TestFrameRoundTrip(t *testing.T) {
	msgs := []struct {
		tag byte
		m   proto.Message
	}{
		{tagHeartbeatPing, &gcmpb.HeartbeatPing{LastStreamIdReceived: proto.Int32(3)}},
		{tagLoginRequest, &gcmpb.LoginRequest{Id: proto.String("chrome-156"),
			Domain: proto.String("mcs.android.com"), User: proto.String("42"),
			Resource: proto.String("42"), AuthToken: proto.String("7"),
			ReceivedPersistentId: []string{"a", "b"}}},
		{tagDataMessageStanza, &gcmpb.DataMessageStanza{From: proto.String("BAAA"),
			Category: proto.String("org.chromium.linux"), RawData: bytes.Repeat([]byte{0}, 300),
			AppData: []*gcmpb.AppData{{Key: proto.String("k"), Value: proto.String("")}}}},
	}
	var stream []byte
	for _, m := range msgs {
		var err error
		if stream, err = appendFrame(stream, m.tag, m.m); err != nil {
			t.Fatal(err)
		}
	}
	r := bufio.NewReader(bytes.NewReader(stream))
	for i, want := range msgs {
		tag, payload, err := readFrame(r)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if tag != want.tag {
			t.Errorf("frame %d: tag %d, want %d", i, tag, want.tag)
		}
		got, err := decodeFrame(tag, payload)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !proto.Equal(got, want.m) {
			t.Errorf("frame %d: got %v, want %v", i, got, want.m)
		}
	}
	if _, _, err := readFrame(r); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}

func TestReadFrameErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"no size", []byte{3}},
		{"size over the limit", []byte{8, 0x80, 0x80, 0x80, 0x01}},
		{"payload cut short", []byte{3, 5, 0x0a, 1}},
		{"size overflows a varint", []byte{3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0x01}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readFrame(bufio.NewReader(bytes.NewReader(tt.in)))
			if !errors.Is(err, ErrFrame) {
				t.Errorf("got %v, want an ErrFrame", err)
			}
		})
	}
}

func TestDecodeFrameErrors(t *testing.T) {
	if _, err := decodeFrame(99, nil); !errors.Is(err, ErrFrame) {
		t.Errorf("unknown tag: got %v, want an ErrFrame", err)
	}
	// A LoginResponse without its required id.
	if _, err := decodeFrame(tagLoginResponse, []byte{0x40, 1}); !errors.Is(err, ErrFrame) {
		t.Errorf("missing required field: got %v, want an ErrFrame", err)
	}
}

// FuzzReadFrame feeds arbitrary octets to the frame reader the MCS server
// runs on every connection: it must never panic, and every frame it decodes
// must survive another round trip unchanged.
func FuzzReadFrame(f *testing.F) {
	seeds := [][]byte{
		{1, 0},
		{3, 3, 0x0a, 1, 'x'},
		{7, 6, 0x10, 1, 0x1a, 0, 0x50, 5},
		{8, 0x80, 0x80, 0x80, 0x01},
		{2, 0},
		{0, 2, 0x10, 0x01, 4, 0},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bufio.NewReader(bytes.NewReader(data))
		for {
			tag, payload, err := readFrame(r)
			if err != nil {
				return
			}
			if len(payload) > MaxFrameSize {
				t.Fatalf("a frame of %d octets passed the limit", len(payload))
			}
			m, err := decodeFrame(tag, payload)
			if err != nil {
				continue
			}
			again, err := appendFrame(nil, tag, m)
			if err != nil {
				t.Fatalf("re-encoding %v: %v", m, err)
			}
			tag2, payload2, err := readFrame(bufio.NewReader(bytes.NewReader(again)))
			if err != nil || tag2 != tag {
				t.Fatalf("re-reading: tag %d, %v", tag2, err)
			}
			m2, err := decodeFrame(tag2, payload2)
			if err != nil || !proto.Equal(m, m2) {
				t.Fatalf("round trip changed %v into %v (%v)", m, m2, err)
			}
		}
	})
}
