package relay

// Specificity weights of the fields of a [ProfileRoute]: a thread beats a
// chat, a chat beats the chat a thread lives in, which beats a user, a
// scope and a platform, in that order. A sum of smaller weights never
// reaches a larger one.
const (
	weightPlatform   = 1
	weightScope      = 2
	weightUser       = 4
	weightParentChat = 8
	weightChat       = 16
	weightThread     = 32
)

// matchRoute returns the route of routes that sends src to a profile: among
// the routes whose every set field matches src, the most specific (see the
// weights above: thread_id, then chat_id, then the parent chat of a thread,
// then user_id, scope_id, platform); on a tie, the first in config order. A
// route with no field set matches everything, least specifically. ok is
// false when no route matches: the gateway then drops the event (it never
// falls back to a "default" profile on its own).
func matchRoute(routes []ProfileRoute, src Source) (route ProfileRoute, ok bool) {
	best := -1
	for _, r := range routes {
		score, match := routeScore(r, src)
		if match && score > best {
			route, best, ok = r, score, true
		}
	}
	return route, ok
}

// routeScore reports whether r matches src and how specifically.
func routeScore(r ProfileRoute, src Source) (int, bool) {
	platform := src.Platform
	if platform == "" {
		platform = DefaultPlatform
	}
	score := 0
	if r.Platform != "" {
		if r.Platform != platform {
			return 0, false
		}
		score += weightPlatform
	}
	if r.ScopeID != "" {
		if r.ScopeID != src.ScopeID {
			return 0, false
		}
		score += weightScope
	}
	if r.UserID != "" {
		if r.UserID != src.UserID && r.UserID != src.UserIDAlt {
			return 0, false
		}
		score += weightUser
	}
	if r.ChatID != "" {
		switch {
		case r.ChatID == src.ChatID:
			score += weightChat
		case src.ParentChatID != "" && r.ChatID == src.ParentChatID:
			score += weightParentChat
		default:
			return 0, false
		}
	}
	if r.ThreadID != "" {
		if r.ThreadID != src.ThreadID {
			return 0, false
		}
		score += weightThread
	}
	return score, true
}
