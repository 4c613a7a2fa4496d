package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/appengage/appengage/core"
)

// fileStore is a core.SessionStore kept in a small JSON file, so the visitor and session
// survive between CLI runs (like the browser's localStorage does for the JS package).
type fileStore struct{ path string }

// sessionFile is the file's content.
type sessionFile struct {
	VisitorID string `json:"visitorId,omitempty"`
	SessionID string `json:"sessionId,omitempty"`
	PageID    string `json:"pageId,omitempty"`
}

// Load returns the stored session, or the zero Session when the file does not exist. A file
// that is not a session file (another JSON document, anything larger than
// maxSessionFileBytes) is an error, so that the CLI never overwrites it.
func (f fileStore) Load(context.Context) (core.Session, error) {
	s, exists, err := f.read()
	if err != nil || !exists {
		return core.Session{}, err
	}
	return core.Session{VisitorID: s.VisitorID, SessionID: s.SessionID, PageID: s.PageID}, nil
}

// read reads and checks the file: exactly one JSON object with only the members of
// sessionFile, each a string.
func (f fileStore) read() (sessionFile, bool, error) {
	file, err := os.Open(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return sessionFile{}, false, nil
	}
	if err != nil {
		return sessionFile{}, false, err
	}
	defer file.Close()
	raw, err := io.ReadAll(io.LimitReader(file, maxSessionFileBytes+1))
	if err != nil {
		return sessionFile{}, true, err
	}
	notOurs := func(why string) error {
		return fmt.Errorf("%s is not an appengage session file (%s); it is left untouched: give another --session-file", f.path, why)
	}
	if len(raw) > maxSessionFileBytes {
		return sessionFile{}, true, notOurs("larger than " + strconv.Itoa(maxSessionFileBytes) + " bytes")
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return sessionFile{}, true, notOurs("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var s sessionFile
	if err := dec.Decode(&s); err != nil {
		return sessionFile{}, true, notOurs("it holds other data")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return sessionFile{}, true, notOurs("data after the session")
	}
	return s, true, nil
}

// Save writes the session atomically (a temporary file renamed over the old one), readable
// by the user only. An existing file that is not a session file is not replaced.
func (f fileStore) Save(_ context.Context, s core.Session) error {
	if _, _, err := f.read(); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(sessionFile{s.VisitorID, s.SessionID, s.PageID}, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".appengage-session-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.path)
}

// Clear removes the file, if it is a session file.
func (f fileStore) Clear(context.Context) error {
	if _, _, err := f.read(); err != nil {
		return err
	}
	err := os.Remove(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
