package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"smallfry/backend"
	"smallfry/backend/lake"
)

// deleteBatch is the most keys one DeleteObjects request takes.
const deleteBatch = 1000

// Put uploads a local file: with one PutObject up to PartSize, else as a
// multipart upload of PartSize parts, Concurrency at a time. A multipart
// upload that fails (or whose ctx ends) is aborted, so no parts stay
// behind to be billed.
func (s *Store) Put(ctx context.Context, key, file string) error {
	return s.call(ctx, opPut, key, func(ctx context.Context) error {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = s.uploader.UploadObject(ctx, &transfermanager.UploadObjectInput{
			Bucket: aws.String(s.cfg.Bucket),
			Key:    aws.String(s.full(key)),
			Body:   f,
		})
		return err
	})
}

// Swap writes a small object only if it still is the version that was
// read: a conditional PutObject with If-Match on its ETag, or with
// If-None-Match: * when it must not exist yet. S3 (and MinIO) check the
// condition and write in one step, so of two writers only one wins; the
// other gets an error wrapping lake.ErrConflict.
func (s *Store) Swap(ctx context.Context, key string, data []byte, match string) error {
	err := s.call(ctx, opSwap, key, func(ctx context.Context) error {
		in := &s3.PutObjectInput{
			Bucket:        aws.String(s.cfg.Bucket),
			Key:           aws.String(s.full(key)),
			Body:          bytes.NewReader(data),
			ContentLength: aws.Int64(int64(len(data))),
		}
		if match == "" {
			in.IfNoneMatch = aws.String("*")
		} else {
			in.IfMatch = aws.String(match)
		}
		_, err := s.client.PutObject(ctx, in)
		return err
	})
	if match != "" && errors.Is(err, fs.ErrNotExist) {
		// If-Match on an object that is gone: another writer removed it.
		return &backend.Error{Code: backend.ECONFLICT, Message: fmt.Sprintf("commit %s: %s (it was removed)", s.Location(key), lake.ErrConflict), Err: errors.Join(lake.ErrConflict, err)}
	}
	return err
}

// Delete removes objects, up to 1000 a request; missing ones are no error.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	var errs []error
	for start := 0; start < len(keys); start += deleteBatch {
		batch := keys[start:min(start+deleteBatch, len(keys))]
		ids := make([]types.ObjectIdentifier, len(batch))
		for i, k := range batch {
			ids[i] = types.ObjectIdentifier{Key: aws.String(s.full(k))}
		}
		where := batch[0]
		if len(batch) > 1 {
			where = commonFolder(batch)
		}
		err := s.call(ctx, opDelete, where, func(ctx context.Context) error {
			out, err := s.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
				Bucket: aws.String(s.cfg.Bucket),
				Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
			})
			if err != nil {
				return err
			}
			for _, e := range out.Errors {
				if aws.ToString(e.Code) == "NoSuchKey" {
					continue
				}
				errs = append(errs, s.explain(opDelete, s.rel(aws.ToString(e.Key)),
					&smithy.GenericAPIError{Code: aws.ToString(e.Code), Message: aws.ToString(e.Message)}))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return errors.Join(errs...)
}

func (s *Store) rel(full string) string { return full[min(len(s.root), len(full)):] }

// commonFolder is the folder all keys share ("Sales/_v/"), for messages.
func commonFolder(keys []string) string {
	p := keys[0]
	for _, k := range keys[1:] {
		for len(p) > 0 && (len(k) < len(p) || k[:len(p)] != p) {
			p = p[:len(p)-1]
		}
	}
	for len(p) > 0 && p[len(p)-1] != '/' {
		p = p[:len(p)-1]
	}
	return p
}
