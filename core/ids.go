package core

// maxIDLength is the longest vid or sid WellFormedID accepts.
const maxIDLength = 128

// ValidAccountID reports whether s is a well-formed LivePerson account (site) id: 1 to 20
// characters of A-Z, a-z, 0-9 and '_' (the documented `^[a-zA-Z0-9_]{1,20}$`).
func ValidAccountID(s string) bool {
	if len(s) == 0 || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '_' {
			return false
		}
	}
	return true
}

// WellFormedID reports whether s is a well-formed visitor or session id: 1 to 128
// characters of A-Z, a-z, 0-9 and '_', '.', ':', '-' (`^[A-Za-z0-9_.:-]{1,128}$`), not made
// of dots alone. The server answers 401 for ids outside this set, so the client refuses them
// before sending. The set keeps ids safe to place in a URL path segment and query without
// escaping, and refusing "." and ".." (and any other all-dot id) keeps a vid from changing
// the path: fetch and proxies resolve dot segments, so visitors/.. would leave the
// visitors collection.
func WellFormedID(s string) bool {
	if len(s) == 0 || len(s) > maxIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '_' && c != '.' && c != ':' && c != '-' {
			return false
		}
	}
	return !dotsOnly(s)
}

// dotsOnly reports whether s is non-empty and made of dots alone: "." and ".." are dot
// segments that URL resolution removes, and longer runs are refused with them so that no
// client, proxy or server version can read one as a path step.
func dotsOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '.' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
