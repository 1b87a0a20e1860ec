package wire

// RedirectSessionPath creates one-time URLs on Wix's own pages.
const RedirectSessionPath = "/_api/redirects-api/v1/redirect-session"

// AuthRequest is the OAuth part of an auth redirect session.
type AuthRequest struct {
	ClientID            string `json:"clientId"`
	RedirectURI         string `json:"redirectUri,omitempty"`
	CodeChallenge       string `json:"codeChallenge"`
	CodeChallengeMethod string `json:"codeChallengeMethod"`
	ResponseMode        string `json:"responseMode"`
	ResponseType        string `json:"responseType"`
	Scope               string `json:"scope"`
	State               string `json:"state"`
	SessionToken        string `json:"sessionToken,omitempty"`
	// Idp is the connection ID of an identity provider (Google, Facebook)
	// to log in with directly.
	Idp string `json:"idp,omitempty"`
}

// AuthIntent is the "auth" intent: member login, by Wix's page or by a
// session token from a custom login form.
type AuthIntent struct {
	AuthRequest AuthRequest `json:"authRequest"`
	Prompt      string      `json:"prompt,omitempty"`
}

// LogoutIntent is the "logout" intent.
type LogoutIntent struct {
	ClientID string `json:"clientId"`
}

// RedirectSessionResponse is the answer of RedirectSessionPath.
type RedirectSessionResponse struct {
	RedirectSession struct {
		ID         string `json:"id"`
		FullURL    string `json:"fullUrl"`
		URLDetails struct {
			Endpoint     string            `json:"endpoint"`
			SearchParams map[string]string `json:"searchParams"`
		} `json:"urlDetails"`
		SessionToken string `json:"sessionToken"`
		ShortURL     string `json:"shortUrl"`
	} `json:"redirectSession"`
}
