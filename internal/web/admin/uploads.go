package admin

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/pasarhq/pasar/internal/catalog"
)

// UploadsPrefix is the URL path under which uploaded images are served.
const UploadsPrefix = "/uploads/"

// maxUploadMemory is how much of a multipart form is held in memory; the rest of a file goes to
// a temporary file. The request body as a whole is capped by PASAR_MAX_BODY_BYTES.
const maxUploadMemory = 1 << 20

// imageTypes are the image formats accepted, by sniffed content type, with their extension.
var imageTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}

var uploadName = regexp.MustCompile(`^[0-9a-f]{32}\.(jpg|png|gif|webp)$`)

// Uploads keeps uploaded product images in a folder, named by a hash of their content: the same
// file uploaded twice is stored once, and a name never changes content, so it is served with a
// year-long immutable cache.
type Uploads struct {
	dir string
}

// NewUploads keeps images in dir, creating it if needed.
func NewUploads(dir string) (*Uploads, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("uploads folder: %w", err)
	}
	return &Uploads{dir: dir}, nil
}

var errNotImage = errors.New("Upload a JPEG, PNG, GIF or WebP image.")

// save stores an image read from r and returns its URL path. Content that is not one of
// imageTypes (whatever its file name says) is errNotImage.
func (u *Uploads) save(r io.Reader) (string, error) {
	tmp, err := os.CreateTemp(u.dir, ".upload-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name()) // after the rename this removes nothing
	defer tmp.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(r, head)
	ext, ok := imageTypes[http.DetectContentType(head[:n])]
	if !ok {
		return "", errNotImage
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), io.MultiReader(strings.NewReader(string(head[:n])), r)); err != nil {
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	name := hex.EncodeToString(h.Sum(nil))[:32] + ext
	if err := os.Rename(tmp.Name(), filepath.Join(u.dir, name)); err != nil {
		return "", err
	}
	return UploadsPrefix + name, nil
}

func (u *Uploads) serve(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !uploadName.MatchString(name) {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(filepath.Join(u.dir, name))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ext := filepath.Ext(name)
	for ct, e := range imageTypes {
		if e == ext {
			w.Header().Set("Content-Type", ct)
		}
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// takeUpload stores the editor's uploaded image, if any, and adds it to p's images. It reports
// false with the error on the form's image_file field when the file is not an image.
func (h *Handler) takeUpload(r *http.Request, f *form, p *catalog.Product) bool {
	if r.MultipartForm == nil || len(r.MultipartForm.File["image_file"]) == 0 {
		return true
	}
	fh := r.MultipartForm.File["image_file"][0]
	if fh.Size == 0 {
		return true // the file input left empty
	}
	if h.o.Uploads == nil {
		f.Add("image_file", "This shop takes images by URL only.")
		return false
	}
	file, err := fh.Open()
	if err != nil {
		f.Add("image_file", "The file could not be read; try again.")
		return false
	}
	defer file.Close()
	url, err := h.o.Uploads.save(file)
	if errors.Is(err, errNotImage) {
		f.Add("image_file", errNotImage.Error())
		return false
	}
	if err != nil {
		h.o.Logger.Error("store uploaded image", "err", err)
		f.Add("image_file", "The image could not be stored; try again.")
		return false
	}
	// Kept on the form too, so a re-shown form (another field was wrong) still has the image.
	n := fmt.Sprintf("images[%d]", len(p.Images))
	f.Values.Set(n+".url", url)
	f.Values.Set(n+".alt", f.Get("image_alt"))
	p.Images = append(p.Images, catalog.Image{URL: url, Alt: f.Get("image_alt"), Position: len(p.Images)})
	return true
}
