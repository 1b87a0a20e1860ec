package wixtest

import (
	"encoding/json"
	"net/http"
)

// InspectPrefix is where InspectHandler serves. No such path exists on Wix.
const InspectPrefix = "/_wixtest/inspect/"

// InspectHandler serves over HTTP what a Go test reads with the Server's
// methods, for clients in other languages (the standalone command mounts it
// at InspectPrefix): what a real test would read from an inbox or a
// dashboard, and the request log.
//
//	GET  /_wixtest/inspect/verification-code?email=  {"code": "..."}          VerificationCode
//	GET  /_wixtest/inspect/password-reset-emails     {"emails": [...]}        PasswordResetEmails
//	POST /_wixtest/inspect/approve?email=            {"approved": true}       ApproveMember
//	GET  /_wixtest/inspect/member?email=             {"id", "email", "nickname"} MemberByEmail
//	GET  /_wixtest/inspect/requests                  {"requests": [...]}      Requests
func (s *Server) InspectHandler() http.Handler {
	mux := http.NewServeMux()
	p := InspectPrefix
	mux.HandleFunc("GET "+p+"verification-code", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]string{"code": s.VerificationCode(r.URL.Query().Get("email"))})
	})
	mux.HandleFunc("GET "+p+"password-reset-emails", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string][]string{"emails": s.PasswordResetEmails()})
	})
	mux.HandleFunc("POST "+p+"approve", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]bool{"approved": s.ApproveMember(r.URL.Query().Get("email"))})
	})
	mux.HandleFunc("GET "+p+"member", func(w http.ResponseWriter, r *http.Request) {
		m, ok := s.MemberByEmail(r.URL.Query().Get("email"))
		if !ok {
			http.Error(w, "no such member", http.StatusNotFound)
			return
		}
		reply(w, map[string]string{"id": m.ID, "email": m.Email, "nickname": m.Nickname})
	})
	mux.HandleFunc("GET "+p+"requests", func(w http.ResponseWriter, r *http.Request) {
		type entry struct {
			Endpoint      string `json:"endpoint"`
			Method        string `json:"method"`
			Path          string `json:"path"`
			Grant         string `json:"grant,omitempty"`
			Status        int    `json:"status"`
			ContentType   string `json:"contentType,omitempty"`
			Authorization string `json:"authorization,omitempty"`
			Consistent    string `json:"consistent,omitempty"`
			Body          string `json:"body,omitempty"`
		}
		out := []entry{}
		for _, q := range s.Requests() {
			out = append(out, entry{string(q.Endpoint), q.Method, q.Path, q.Grant, q.Status,
				q.Header.Get("Content-Type"), q.Header.Get("Authorization"), q.Header.Get("X-Wix-Consistent"), string(q.Body)})
		}
		reply(w, map[string]any{"requests": out})
	})
	return mux
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
