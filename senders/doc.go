// Package senders puts a Web Push sender under test behind one interface,
// so that every suite runs the same way for every sender.
//
// A Sender announces what it supports (Hello) and sends one push per Request,
// reporting what it saw and how it classified the outcome (Result). pushspec's
// own webpush.Sender and SherClockHolmes/webpush-go run in process; Open
// names them "pushspec" and "webpush-go".
//
//	go test ./senders
package senders
