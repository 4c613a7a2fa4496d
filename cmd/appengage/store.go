package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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

// Load returns the stored session, or the zero Session when the file does not exist.
func (f fileStore) Load(context.Context) (core.Session, error) {
	raw, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return core.Session{}, nil
	}
	if err != nil {
		return core.Session{}, err
	}
	var s sessionFile
	if err := json.Unmarshal(raw, &s); err != nil {
		return core.Session{}, fmt.Errorf("%s: not a session file: %w", f.path, err)
	}
	return core.Session{VisitorID: s.VisitorID, SessionID: s.SessionID, PageID: s.PageID}, nil
}

// Save writes the session atomically (a temporary file renamed over the old one), readable
// by the user only.
func (f fileStore) Save(_ context.Context, s core.Session) error {
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

// Clear removes the file.
func (f fileStore) Clear(context.Context) error {
	err := os.Remove(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
