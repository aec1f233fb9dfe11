package fcm

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pushspec/pushspec/fakes/fcm/internal/gcmpb"
)

const (
	// loginTimeout bounds the TLS handshake, the version octet and the
	// LoginRequest of a new connection.
	loginTimeout = 30 * time.Second
	// writeTimeout bounds the write of one frame.
	writeTimeout = 10 * time.Second
	// outboxSize is how many frames may wait for the writer; a client that
	// lets more pile up is disconnected.
	outboxSize = 1024
)

// An mcsConn is one MCS connection from a browser. Its reader runs in
// serveMCS; its writer drains out, so that frames leave in the order their
// stream ids were given.
type mcsConn struct {
	s    *Server
	nc   net.Conn
	num  int
	out  chan []byte
	done chan struct{}
	once sync.Once

	mu          sync.Mutex
	in          int32 // client frames received, the LoginRequest being 1
	sent        int32 // server frames queued, the LoginResponse being 1
	versionSent bool

	// Guarded by s.mu.
	dev      *device
	loggedIn bool
	loginAt  time.Time
}

// enqueue stamps m with what the server has received, gives it the next
// stream id and queues it for the writer. The first frame carries the
// version octet in front.
func (c *mcsConn) enqueue(tag byte, m proto.Message) (int32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	setLastStreamIDReceived(m, c.in)
	var frame []byte
	if !c.versionSent {
		frame = append(frame, mcsVersion)
	}
	frame, err := appendFrame(frame, tag, m)
	if err != nil {
		return 0, err
	}
	select {
	case <-c.done:
		return 0, fmt.Errorf("connection %d is closed", c.num)
	case c.out <- frame:
	default:
		c.close()
		return 0, fmt.Errorf("connection %d has %d frames waiting; closing it", c.num,
			outboxSize)
	}
	c.versionSent = true
	c.sent++
	return c.sent, nil
}

// received counts a frame from the client.
func (c *mcsConn) received() {
	c.mu.Lock()
	c.in++
	c.mu.Unlock()
}

func (c *mcsConn) writeLoop() {
	defer c.s.wg.Done()
	for {
		select {
		case <-c.done:
			return
		case frame := <-c.out:
			c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := c.nc.Write(frame); err != nil {
				c.s.logger().Debug("mcs write", "conn", c.num, "error", err)
				c.close()
				return
			}
		}
	}
}

// close closes the connection; it is safe to call more than once and with
// any lock held. The reader then ends and tells the server (connClosed).
func (c *mcsConn) close() {
	c.once.Do(func() {
		close(c.done)
		c.nc.Close()
	})
}

// serveMCS accepts MCS connections until the listener closes.
func (s *Server) serveMCS(ln net.Listener) {
	defer s.wg.Done()
	for num := 1; ; num++ {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		c := &mcsConn{s: s, nc: nc, num: num, out: make(chan []byte, outboxSize),
			done: make(chan struct{})}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(2)
		go c.writeLoop()
		go s.serveConn(c)
	}
}

// serveConn reads a connection's frames until it closes: first the version
// octet and the LoginRequest, then acknowledgements and heartbeats.
func (s *Server) serveConn(c *mcsConn) {
	defer s.wg.Done()
	defer s.connClosed(c)
	defer c.close()
	log := s.logger().With("conn", c.num)

	c.nc.SetReadDeadline(time.Now().Add(loginTimeout))
	if tc, ok := c.nc.(*tls.Conn); ok {
		ctx, cancel := context.WithTimeout(context.Background(), loginTimeout)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			log.Debug("mcs handshake", "error", err)
			return
		}
	}
	r := bufio.NewReader(c.nc)
	v, err := r.ReadByte()
	if err != nil {
		log.Debug("mcs version", "error", err)
		return
	}
	if v != mcsVersion {
		log.Warn("mcs version", "error", fmt.Sprintf("version %d, want %d", v, mcsVersion))
		return
	}
	tag, payload, err := readFrame(r)
	if err == nil && tag != tagLoginRequest {
		err = fmt.Errorf("the first frame has tag %d, want a LoginRequest (%d)", tag,
			tagLoginRequest)
	}
	var m proto.Message
	if err == nil {
		m, err = decodeFrame(tag, payload)
	}
	if err != nil {
		log.Warn("mcs login", "error", err)
		return
	}
	c.received()
	if err := s.login(c, m.(*gcmpb.LoginRequest)); err != nil {
		log.Warn("mcs login", "error", err)
		c.refuse(err)
		return
	}
	c.nc.SetReadDeadline(time.Time{})

	for {
		tag, payload, err := readFrame(r)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				log.Debug("mcs read", "error", err)
			}
			return
		}
		c.received()
		m := newMessage(tag)
		if m == nil {
			log.Warn("mcs read", "error", fmt.Sprintf("tag %d is not one the fake knows; "+
				"skipped %d octets", tag, len(payload)))
			continue
		}
		if m, err = decodeFrame(tag, payload); err != nil {
			log.Warn("mcs read", "error", err)
			return
		}
		if !s.handleFrame(c, m) {
			return
		}
	}
}

// refuse answers a failed login with an error and closes the connection.
func (c *mcsConn) refuse(why error) {
	frame, err := appendFrame([]byte{mcsVersion}, tagLoginResponse, &gcmpb.LoginResponse{
		Id:    proto.String(""),
		Error: &gcmpb.ErrorInfo{Code: proto.Int32(401), Message: proto.String(why.Error())},
	})
	if err != nil {
		return
	}
	c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
	c.nc.Write(frame)
}

// login checks the credentials of a LoginRequest, acknowledges the messages
// the browser says it has, and answers it, unless the device is held offline.
func (s *Server) login(c *mcsConn, req *gcmpb.LoginRequest) error {
	id, err1 := strconv.ParseUint(req.GetUser(), 10, 64)
	token, err2 := strconv.ParseUint(req.GetAuthToken(), 10, 64)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("login user %q and auth_token: want decimal numbers from checkin",
			short(req.GetUser()))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.authLocked(id, token)
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	c.dev = d
	s.ackIDsLocked(d, req.GetReceivedPersistentId())
	if d.offline {
		d.parked = append(d.parked, c)
		s.logger().Debug("mcs login parked", "conn", c.num, "android_id", id)
		s.notifyLocked()
		return nil
	}
	s.completeLoginLocked(d, c)
	return nil
}

// completeLoginLocked answers c's login, makes it the device's connection
// and sends it what is queued, including what older connections left
// unacknowledged. Older connections are closed: one connection per device.
func (s *Server) completeLoginLocked(d *device, c *mcsConn) {
	_, err := c.enqueue(tagLoginResponse, &gcmpb.LoginResponse{
		Id:              proto.String("pushspec-" + strconv.Itoa(c.num)),
		ServerTimestamp: proto.Int64(s.now().UnixMilli()),
	})
	if err != nil {
		s.logger().Debug("mcs login", "conn", c.num, "error", err)
		return
	}
	old := d.conn
	c.loggedIn, c.loginAt, d.conn = true, time.Now(), c
	d.logins++
	s.logger().Debug("mcs login", "conn", c.num, "android_id", d.AndroidID,
		"login", d.logins)
	if old != nil && old != c {
		old.close()
	}
	s.requeueLocked(d)
	s.deliverLocked(d)
}

// handleFrame handles one frame from a logged-in browser; false ends the
// connection.
func (s *Server) handleFrame(c *mcsConn, m proto.Message) bool {
	s.mu.Lock()
	loggedIn := c.loggedIn
	if n := lastStreamIDReceived(m); n > 0 && loggedIn {
		s.ackStreamLocked(c, n)
	}
	s.mu.Unlock()
	log := s.logger().With("conn", c.num)

	switch m := m.(type) {
	case *gcmpb.HeartbeatPing:
		if loggedIn {
			c.enqueue(tagHeartbeatAck, &gcmpb.HeartbeatAck{})
		}
	case *gcmpb.IqStanza:
		ext := m.GetExtension()
		if ext.GetId() == extSelectiveAck {
			var ack gcmpb.SelectiveAck
			if err := proto.Unmarshal(ext.GetData(), &ack); err != nil {
				log.Warn("mcs selective ack", "error", err)
				return false
			}
			s.mu.Lock()
			if c.dev != nil {
				s.ackIDsLocked(c.dev, ack.GetId())
			}
			s.mu.Unlock()
		}
	case *gcmpb.Close:
		log.Debug("mcs close")
		return false
	case *gcmpb.LoginRequest:
		log.Warn("mcs read", "error", "a second LoginRequest on one connection")
		return false
	case *gcmpb.StreamErrorStanza:
		log.Warn("mcs stream error", "type", m.GetType(), "text", m.GetText())
		return false
	}
	return true
}

// connClosed forgets a closed connection.
func (s *Server) connClosed(c *mcsConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if d := c.dev; d != nil {
		if d.conn == c {
			d.conn = nil
		}
		for i, p := range d.parked {
			if p == c {
				d.parked = append(d.parked[:i], d.parked[i+1:]...)
				break
			}
		}
	}
	s.notifyLocked()
}
