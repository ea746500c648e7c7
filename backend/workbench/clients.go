package workbench

// EndClient ends the sessions a client opened (a browser tab that closed,
// see backend.WithClient): their runs are canceled, their kernels shut
// down and their scratch folders removed, as CloseNotebook does. Unsaved
// edits stay in the autosave drafts. It is not a call of the UI (it takes
// no context): the browser server calls it when a tab goes silent.
func (s *Service) EndClient(client string) {
	if client == "" {
		return
	}
	s.mu.Lock()
	var ended []*session
	for id, ss := range s.sessions {
		if ss.client == client {
			ended = append(ended, ss)
			delete(s.sessions, id)
		}
	}
	s.mu.Unlock()
	for _, ss := range ended {
		ss.close()
	}
}
