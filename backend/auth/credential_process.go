package auth

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// CredentialProcessJSON is keys in the format of the AWS CLI's and SDKs'
// credential_process (what `smallfry credentials` prints): Version 1, the
// keys, and Expiration so the caller asks again in time. The output holds
// secrets: write it to the caller's stdout only.
func CredentialProcessJSON(creds aws.Credentials) ([]byte, error) {
	if !creds.HasKeys() {
		return nil, errors.New("no AWS keys to print")
	}
	out := struct {
		Version         int    `json:"Version"`
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string `json:"SecretAccessKey"`
		SessionToken    string `json:"SessionToken,omitempty"`
		Expiration      string `json:"Expiration,omitempty"`
	}{Version: 1, AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken}
	if creds.CanExpire {
		out.Expiration = creds.Expires.UTC().Format(time.RFC3339)
	}
	return json.Marshal(out)
}
