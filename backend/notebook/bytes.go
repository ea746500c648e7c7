package notebook

import "smallfry/backend"

// Bytes is the notebook as WriteFile writes it, for writers that place
// the file themselves (the workspace's, which keep inside its folder).
func (nb *Notebook) Bytes() ([]byte, error) {
	if nb == nil {
		return nil, backend.Errorf(backend.EINVALID, "encode notebook: no notebook given")
	}
	data, err := nb.marshal()
	if err != nil {
		return nil, backend.Errorf(backend.EINVALID, "encode notebook %s: %w", nb.name, err)
	}
	return data, nil
}
