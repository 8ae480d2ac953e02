package attachments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// bucket keeps each key as an object in an S3 (or S3-compatible) bucket.
// Credentials come from the AWS SDK's usual chain: the environment
// (AWS_ACCESS_KEY_ID…), a shared profile, SSO, a web identity, or the
// instance's role; never from the URL.
type bucket struct {
	name     string
	url      string
	load     []func(*config.LoadOptions) error // how to load the SDK configuration
	client   []func(*s3.Options)               // and then the S3 client
	role     string                            // a role to assume, if any
	sse      types.ServerSideEncryption
	kmsKeyID string

	mu  sync.Mutex
	api *s3.Client // nil until first use
}

// newS3 reads s3://bucket?region=…&endpoint=…&use_path_style=true and the
// other query words the portal has documented or accepted before (the same
// ones, with the same meaning, as gocloud.dev's s3blob, which it used).
func newS3(u *url.URL) (*bucket, error) {
	if u.Host == "" {
		return nil, errors.New("no bucket: write s3://bucket?region=eu-west-1")
	}
	b := &bucket{name: u.Host, url: redacted(u)}
	flag := func(param, v string) (bool, error) {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("%s=%q: want true or false", param, v)
		}
		return on, nil
	}
	for param, values := range u.Query() {
		v := values[0]
		switch param {
		case "region":
			b.load = append(b.load, config.WithRegion(v))
		case "profile":
			b.load = append(b.load, config.WithSharedConfigProfile(v))
		case "endpoint":
			b.client = append(b.client, func(o *s3.Options) { o.BaseEndpoint = aws.String(v) })
		case "use_path_style", "s3ForcePathStyle":
			on, err := flag(param, v)
			if err != nil {
				return nil, err
			}
			b.client = append(b.client, func(o *s3.Options) { o.UsePathStyle = on })
		case "disable_https":
			on, err := flag(param, v)
			if err != nil {
				return nil, err
			}
			b.client = append(b.client, func(o *s3.Options) { o.EndpointOptions.DisableHTTPS = on })
		case "accelerate":
			on, err := flag(param, v)
			if err != nil {
				return nil, err
			}
			b.client = append(b.client, func(o *s3.Options) { o.UseAccelerate = on })
		case "dualstack", "fips", "anonymous":
			on, err := flag(param, v)
			if err != nil {
				return nil, err
			}
			if on {
				b.load = append(b.load, map[string]func(*config.LoadOptions) error{
					"dualstack": config.WithUseDualStackEndpoint(aws.DualStackEndpointStateEnabled),
					"fips":      config.WithUseFIPSEndpoint(aws.FIPSEndpointStateEnabled),
					"anonymous": config.WithCredentialsProvider(aws.AnonymousCredentials{}),
				}[param])
			}
		case "request_checksum_calculation":
			c, ok := map[string]aws.RequestChecksumCalculation{
				"when_supported": aws.RequestChecksumCalculationWhenSupported,
				"when_required":  aws.RequestChecksumCalculationWhenRequired}[strings.ToLower(v)]
			if !ok {
				return nil, fmt.Errorf("%s=%q: want when_supported or when_required", param, v)
			}
			b.load = append(b.load, config.WithRequestChecksumCalculation(c))
		case "response_checksum_validation":
			c, ok := map[string]aws.ResponseChecksumValidation{
				"when_supported": aws.ResponseChecksumValidationWhenSupported,
				"when_required":  aws.ResponseChecksumValidationWhenRequired}[strings.ToLower(v)]
			if !ok {
				return nil, fmt.Errorf("%s=%q: want when_supported or when_required", param, v)
			}
			b.load = append(b.load, config.WithResponseChecksumValidation(c))
		case "role":
			if !strings.HasPrefix(v, "arn:") {
				return nil, fmt.Errorf("role=%q: want a role ARN (arn:…)", v)
			}
			b.role = v
		case "ssetype":
			b.sse = types.ServerSideEncryption(v)
			if !strings.EqualFold(v, string(types.ServerSideEncryptionAes256)) && !strings.HasPrefix(v, "aws:kms") {
				return nil, fmt.Errorf("ssetype=%q: want AES256, aws:kms or aws:kms:dsse", v)
			}
		case "kmskeyid":
			b.kmsKeyID = v
		case "awssdk":
			// the SDK version the old library chose: there is one now
		default:
			return nil, fmt.Errorf("unknown query parameter %q", param)
		}
	}
	return b, nil
}

func (b *bucket) URL() string  { return b.url }
func (b *bucket) Close() error { return nil }

// s3 builds the client on first use; a failure (a profile that cannot be
// read yet, say) is not kept.
func (b *bucket) s3(ctx context.Context) (*s3.Client, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.api != nil {
		return b.api, nil
	}
	// The client outlives the request that happens to make it.
	ctx = context.WithoutCancel(ctx)
	load := append([]func(*config.LoadOptions) error{
		// Every upload and download is retried by the SDK's standard
		// policy, without its client-side quota: a burst of failures
		// under load must not turn into refused requests afterwards.
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.RateLimiter = ratelimit.None })
		}),
	}, b.load...)
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("attachments: open storage %s: %w", b.url, err)
	}
	if b.role != "" {
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), b.role))
	}
	b.api = s3.NewFromConfig(cfg, b.client...)
	return b.api, nil
}

func (b *bucket) Put(ctx context.Context, key string, r io.ReadSeeker, contentType string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	api, err := b.s3(ctx)
	if err != nil {
		return err
	}
	start, err := r.Seek(0, io.SeekCurrent)
	if err == nil {
		var end int64
		if end, err = r.Seek(0, io.SeekEnd); err == nil {
			_, err = r.Seek(start, io.SeekStart)
			in := &s3.PutObjectInput{Bucket: &b.name, Key: &key, Body: r, ContentLength: aws.Int64(end - start),
				ContentType: &contentType, ServerSideEncryption: b.sse}
			if b.kmsKeyID != "" {
				in.SSEKMSKeyId = &b.kmsKeyID
			}
			if err == nil {
				_, err = api.PutObject(ctx, in)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("attachments: write %s: %w", key, err)
	}
	return nil
}

func (b *bucket) Open(ctx context.Context, key string) (File, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	api, err := b.s3(ctx)
	if err != nil {
		return nil, err
	}
	out, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.name, Key: &key})
	if isNotFound(err) {
		return nil, fmt.Errorf("attachments: read %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("attachments: read %s: %w", key, err)
	}
	return &object{ctx: ctx, api: api, bucket: b.name, key: key, size: aws.ToInt64(out.ContentLength),
		etag: out.ETag, body: out.Body}, nil
}

func (b *bucket) Exists(ctx context.Context, key string) (bool, error) {
	if err := checkKey(key); err != nil {
		return false, err
	}
	api, err := b.s3(ctx)
	if err != nil {
		return false, err
	}
	_, err = api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.name, Key: &key})
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("attachments: look for %s: %w", key, err)
	}
	return true, nil
}

func (b *bucket) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	api, err := b.s3(ctx)
	if err != nil {
		return err
	}
	if _, err := api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.name, Key: &key}); err != nil && !isNotFound(err) {
		return fmt.Errorf("attachments: delete %s: %w", key, err)
	}
	return nil
}

func (b *bucket) List(ctx context.Context, fn func(Stored) error) error {
	api, err := b.s3(ctx)
	if err != nil {
		return err
	}
	for _, prefix := range []string{filePrefix, thumbPrefix} {
		pages := s3.NewListObjectsV2Paginator(api, &s3.ListObjectsV2Input{Bucket: &b.name, Prefix: aws.String(prefix)})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("attachments: list %s: %w", prefix, err)
			}
			for _, obj := range page.Contents {
				key := aws.ToString(obj.Key)
				if strings.HasSuffix(key, "/") {
					continue // a folder marker some tools write
				}
				if err := fn(Stored{Key: key, ModTime: aws.ToTime(obj.LastModified)}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// isNotFound reports an S3 answer that the key holds nothing (NoSuchKey on
// GET, a bodiless 404 on HEAD).
func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode() == "NoSuchKey" || apiErr.ErrorCode() == "NotFound") {
		return true
	}
	var respErr *smithyhttp.ResponseError
	return errors.As(err, &respErr) && respErr.HTTPStatusCode() == http.StatusNotFound
}

// object reads one stored object. Seeking only moves the offset; the next
// Read asks for the rest of the object from there (a ranged GET), unless
// the body already open stands at that offset, so http.ServeContent's
// "seek to the end to learn the size, then back" costs no second request.
type object struct {
	ctx    context.Context
	api    *s3.Client
	bucket string
	key    string
	size   int64
	etag   *string // the version first opened: a later range must be of it

	off     int64         // where the reader stands
	body    io.ReadCloser // nil when none is open
	bodyOff int64         // where body stands
}

func (o *object) Read(p []byte) (int, error) {
	if o.off >= o.size {
		return 0, io.EOF
	}
	if o.body != nil && o.bodyOff != o.off {
		o.body.Close()
		o.body = nil
	}
	if o.body == nil {
		out, err := o.api.GetObject(o.ctx, &s3.GetObjectInput{Bucket: &o.bucket, Key: &o.key,
			Range: aws.String("bytes=" + strconv.FormatInt(o.off, 10) + "-"), IfMatch: o.etag})
		if err != nil {
			return 0, fmt.Errorf("attachments: read %s from %d: %w", o.key, o.off, err)
		}
		o.body, o.bodyOff = out.Body, o.off
	}
	n, err := o.body.Read(p)
	o.off += int64(n)
	o.bodyOff = o.off
	return n, err
}

func (o *object) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += o.off
	case io.SeekEnd:
		offset += o.size
	default:
		return o.off, fmt.Errorf("attachments: seek %s: whence %d", o.key, whence)
	}
	if offset < 0 {
		return o.off, fmt.Errorf("attachments: seek %s: before the start", o.key)
	}
	o.off = offset
	return offset, nil
}

func (o *object) Close() error {
	if o.body == nil {
		return nil
	}
	err := o.body.Close()
	o.body = nil
	return err
}
