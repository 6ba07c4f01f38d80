package demo

import "github.com/pasarhq/pasar/internal/catalog"

// categories is the demo shop's category tree, parents before children.
var categories = []catalog.Category{
	{Slug: "electronics", Name: "Electronics", Position: 0},
	{Slug: "computers", Name: "Computers", Parent: "electronics"},
	{Slug: "laptops", Name: "Laptops", Parent: "computers"},
	{Slug: "monitors", Name: "Monitors", Parent: "computers", Position: 1},
	{Slug: "phones", Name: "Phones", Parent: "electronics", Position: 1},
	{Slug: "audio", Name: "Audio", Parent: "electronics", Position: 2},
	{Slug: "headphones", Name: "Headphones", Parent: "audio"},
	{Slug: "speakers", Name: "Speakers", Parent: "audio", Position: 1},
	{Slug: "clothing", Name: "Clothing", Position: 1},
	{Slug: "tops", Name: "Tops", Parent: "clothing"},
	{Slug: "t-shirts", Name: "T-shirts", Parent: "tops"},
	{Slug: "sweaters", Name: "Sweaters", Parent: "tops", Position: 1},
	{Slug: "trousers", Name: "Trousers", Parent: "clothing", Position: 1},
	{Slug: "jeans", Name: "Jeans", Parent: "trousers"},
	{Slug: "shoes", Name: "Shoes", Parent: "clothing", Position: 2},
	{Slug: "sneakers", Name: "Sneakers", Parent: "shoes"},
	{Slug: "boots", Name: "Boots", Parent: "shoes", Position: 1},
	{Slug: "home", Name: "Home & Kitchen", Position: 2},
	{Slug: "kitchen", Name: "Kitchen", Parent: "home"},
	{Slug: "cookware", Name: "Cookware", Parent: "kitchen"},
	{Slug: "knives", Name: "Knives", Parent: "kitchen", Position: 1},
	{Slug: "furniture", Name: "Furniture", Parent: "home", Position: 1},
	{Slug: "lighting", Name: "Lighting", Parent: "home", Position: 2},
	{Slug: "books", Name: "Books", Position: 3},
	{Slug: "fiction", Name: "Fiction", Parent: "books"},
	{Slug: "non-fiction", Name: "Non-fiction", Parent: "books", Position: 1},
	{Slug: "outdoor", Name: "Sports & Outdoor", Position: 4},
	{Slug: "camping", Name: "Camping", Parent: "outdoor"},
	{Slug: "cycling", Name: "Cycling", Parent: "outdoor", Position: 1},
}

// kind describes one product type: where it lives, who makes it, how it is named and priced,
// which attributes it has and which options its variants differ by.
type kind struct {
	name       string
	category   string
	brands     []string
	nouns      []string
	adjectives []string
	price      [2]int64 // lowest and highest base price, in cents
	weight     [2]int   // grams
	attrs      func(r rng) map[string]any
	options    []option // crossed to make variants (first values only, up to maxVariants)
}

type option struct {
	name   string
	values []string
	extra  []int64 // price added per value, in cents; nil: none
}

var (
	sizes      = option{"size", []string{"XS", "S", "M", "L", "XL", "XXL"}, nil}
	colours    = option{"colour", []string{"black", "white", "navy", "grey", "red", "green", "sand"}, nil}
	shoeSizes  = option{"size", []string{"38", "39", "40", "41", "42", "43", "44", "45"}, nil}
	waists     = option{"waist", []string{"28", "30", "32", "34", "36", "38"}, nil}
	storage    = option{"storage", []string{"128 GB", "256 GB", "512 GB", "1 TB"}, []int64{0, 10000, 25000, 45000}}
	bookFormat = option{"format", []string{"paperback", "hardcover", "ebook"}, []int64{0, 900, -400}}
)

var kinds = []kind{
	{name: "laptop", category: "laptops", brands: []string{"Lumen", "Vertex", "Northwind", "Kestrel"},
		nouns: []string{"Laptop", "Notebook", "Ultrabook"}, adjectives: []string{"Air", "Pro", "Slim", "Studio", "Go"},
		price: [2]int64{49900, 249900}, weight: [2]int{1000, 2600},
		attrs: func(r rng) map[string]any {
			return map[string]any{"screen_in": r.pick([]float64{13.3, 14, 15.6, 16}), "ram_gb": r.pick([]int{8, 16, 32, 64}),
				"cpu": r.pick([]string{"8-core", "10-core", "12-core"}), "battery_h": 8 + r.intn(12)}
		},
		options: []option{storage, {"colour", []string{"silver", "space grey", "midnight"}, nil}}},
	{name: "monitor", category: "monitors", brands: []string{"Vertex", "Clarity", "Lumen"},
		nouns: []string{"Monitor", "Display"}, adjectives: []string{"UltraWide", "4K", "Curved", "Office", "Gaming"},
		price: [2]int64{12900, 119900}, weight: [2]int{3000, 9000},
		attrs: func(r rng) map[string]any {
			return map[string]any{"screen_in": r.pick([]int{24, 27, 32, 34}), "refresh_hz": r.pick([]int{60, 75, 144, 165, 240}),
				"panel": r.pick([]string{"IPS", "VA", "OLED"})}
		}},
	{name: "phone", category: "phones", brands: []string{"Nova", "Kestrel", "Orbit"},
		nouns: []string{"Phone", "Smartphone"}, adjectives: []string{"Mini", "Max", "Lite", "Ultra", "Fold"},
		price: [2]int64{19900, 139900}, weight: [2]int{150, 250},
		attrs: func(r rng) map[string]any {
			return map[string]any{"screen_in": r.pick([]float64{5.8, 6.1, 6.4, 6.7}), "camera_mp": r.pick([]int{12, 48, 50, 108}), "5g": r.intn(4) > 0}
		},
		options: []option{storage, {"colour", []string{"black", "blue", "pink", "green"}, nil}}},
	{name: "headphones", category: "headphones", brands: []string{"Resonant", "Hush", "Orbit"},
		nouns: []string{"Headphones", "Earbuds", "Headset"}, adjectives: []string{"Wireless", "Studio", "Sport", "Noise-cancelling"},
		price: [2]int64{2900, 44900}, weight: [2]int{40, 400},
		attrs: func(r rng) map[string]any {
			return map[string]any{"wireless": r.intn(3) > 0, "battery_h": 10 + r.intn(40), "anc": r.intn(2) == 0}
		},
		options: []option{{"colour", []string{"black", "white", "sand"}, nil}}},
	{name: "speaker", category: "speakers", brands: []string{"Resonant", "Boom & Co"},
		nouns: []string{"Speaker", "Soundbar"}, adjectives: []string{"Portable", "Smart", "Party", "Mini"},
		price: [2]int64{3900, 69900}, weight: [2]int{300, 6000},
		attrs: func(r rng) map[string]any {
			return map[string]any{"watts": r.pick([]int{10, 20, 40, 80, 200}), "waterproof": r.intn(2) == 0}
		}},
	{name: "t-shirt", category: "t-shirts", brands: []string{"Fieldwear", "Linden", "Basics Co", "Urbano"},
		nouns: []string{"T-shirt", "Tee", "Crew Neck"}, adjectives: []string{"Organic", "Classic", "Relaxed", "Striped", "Heavyweight"},
		price: [2]int64{900, 4900}, weight: [2]int{150, 250},
		attrs: func(r rng) map[string]any {
			return map[string]any{"material": r.pick([]string{"cotton", "organic cotton", "linen blend"}), "fit": r.pick([]string{"regular", "slim", "oversized"})}
		},
		options: []option{sizes, colours}},
	{name: "sweater", category: "sweaters", brands: []string{"Linden", "Nordkap", "Fieldwear"},
		nouns: []string{"Sweater", "Jumper", "Cardigan"}, adjectives: []string{"Merino", "Cable-knit", "Chunky", "Fine"},
		price: [2]int64{3900, 14900}, weight: [2]int{300, 700},
		attrs: func(r rng) map[string]any {
			return map[string]any{"material": r.pick([]string{"wool", "merino", "cashmere blend", "cotton"})}
		},
		options: []option{sizes, colours}},
	{name: "jeans", category: "jeans", brands: []string{"Urbano", "Indigo Mill", "Fieldwear"},
		nouns: []string{"Jeans", "Denim"}, adjectives: []string{"Slim", "Straight", "Tapered", "Loose"},
		price: [2]int64{3900, 12900}, weight: [2]int{500, 900},
		attrs: func(r rng) map[string]any {
			return map[string]any{"material": "denim", "stretch": r.intn(2) == 0, "rise": r.pick([]string{"low", "mid", "high"})}
		},
		options: []option{waists, {"length", []string{"30", "32", "34"}, nil}}},
	{name: "sneakers", category: "sneakers", brands: []string{"Stride", "Apex", "Urbano"},
		nouns: []string{"Sneakers", "Trainers", "Runners"}, adjectives: []string{"Court", "Trail", "Retro", "Knit", "Everyday"},
		price: [2]int64{4900, 17900}, weight: [2]int{600, 1100},
		attrs: func(r rng) map[string]any {
			return map[string]any{"upper": r.pick([]string{"leather", "mesh", "canvas", "suede"}), "vegan": r.intn(3) == 0}
		},
		options: []option{shoeSizes}},
	{name: "boots", category: "boots", brands: []string{"Nordkap", "Apex"},
		nouns: []string{"Boots", "Chelsea Boots", "Hiking Boots"}, adjectives: []string{"Waterproof", "Leather", "Winter"},
		price: [2]int64{8900, 24900}, weight: [2]int{1000, 1800},
		attrs: func(r rng) map[string]any {
			return map[string]any{"upper": r.pick([]string{"leather", "suede", "nubuck"})}
		},
		options: []option{shoeSizes}},
	{name: "cookware", category: "cookware", brands: []string{"Hearth", "Casa", "Ferro"},
		nouns: []string{"Frying Pan", "Saucepan", "Dutch Oven", "Wok"}, adjectives: []string{"Cast Iron", "Non-stick", "Stainless", "Copper"},
		price: [2]int64{1900, 29900}, weight: [2]int{800, 6000},
		attrs: func(r rng) map[string]any {
			return map[string]any{"diameter_cm": r.pick([]int{20, 24, 26, 28, 30}), "induction": r.intn(3) > 0, "dishwasher_safe": r.intn(2) == 0}
		}},
	{name: "knife", category: "knives", brands: []string{"Ferro", "Kaze", "Hearth"},
		nouns: []string{"Chef's Knife", "Santoku", "Paring Knife", "Bread Knife"}, adjectives: []string{"Damascus", "Forged", "Ceramic", "Classic"},
		price: [2]int64{1500, 24900}, weight: [2]int{80, 300},
		attrs: func(r rng) map[string]any {
			return map[string]any{"blade_cm": r.pick([]int{9, 13, 18, 20, 23}), "steel": r.pick([]string{"VG-10", "X50CrMoV15", "AUS-8"})}
		}},
	{name: "sofa", category: "furniture", brands: []string{"Casa", "Oakline", "Nordkap Home"},
		nouns: []string{"Sofa", "Armchair", "Coffee Table", "Bookcase"}, adjectives: []string{"Mid-century", "Modular", "Rustic", "Scandi"},
		price: [2]int64{9900, 199900}, weight: [2]int{8000, 60000},
		attrs: func(r rng) map[string]any {
			return map[string]any{"material": r.pick([]string{"oak", "walnut", "linen", "velvet", "leather"}), "width_cm": 60 + r.intn(200)}
		},
		options: []option{{"colour", []string{"natural", "charcoal", "olive", "rust"}, nil}}},
	{name: "lamp", category: "lighting", brands: []string{"Lumen Home", "Casa"},
		nouns: []string{"Floor Lamp", "Desk Lamp", "Pendant"}, adjectives: []string{"Arc", "Industrial", "Paper", "Dimmable"},
		price: [2]int64{2500, 39900}, weight: [2]int{500, 8000},
		attrs: func(r rng) map[string]any {
			return map[string]any{"bulb": r.pick([]string{"E27", "GU10", "integrated LED"}), "dimmable": r.intn(2) == 0}
		}},
	{name: "novel", category: "fiction", brands: []string{"Harbour Books", "Quill Press", "Meridian"},
		nouns: []string{"Tides", "Letters", "Orchard", "Winter", "Lighthouse", "Garden"}, adjectives: []string{"The Last", "A Quiet", "The Silent", "Beyond the"},
		price: [2]int64{799, 2999}, weight: [2]int{200, 800},
		attrs: func(r rng) map[string]any {
			return map[string]any{"author": r.pick(authors), "pages": 150 + r.intn(600), "language": r.pick([]string{"en", "en", "fr", "de"})}
		},
		options: []option{bookFormat}},
	{name: "book", category: "non-fiction", brands: []string{"Quill Press", "Meridian"},
		nouns: []string{"History of Salt", "Guide to Bread", "Atlas of Rivers", "Field Notes"}, adjectives: []string{"The Complete", "A Short", "The Illustrated"},
		price: [2]int64{999, 4999}, weight: [2]int{300, 1500},
		attrs: func(r rng) map[string]any {
			return map[string]any{"author": r.pick(authors), "pages": 120 + r.intn(700)}
		},
		options: []option{bookFormat}},
	{name: "tent", category: "camping", brands: []string{"Summit", "Wildside"},
		nouns: []string{"Tent", "Sleeping Bag", "Backpack"}, adjectives: []string{"Ultralight", "4-season", "Trekking", "Family"},
		price: [2]int64{3900, 59900}, weight: [2]int{700, 6000},
		attrs: func(r rng) map[string]any {
			return map[string]any{"capacity": r.pick([]string{"1 person", "2 persons", "4 persons", "45 l", "65 l"}), "waterproof_mm": r.pick([]int{1500, 3000, 5000})}
		},
		options: []option{{"colour", []string{"orange", "olive", "grey"}, nil}}},
	{name: "bike", category: "cycling", brands: []string{"Velo", "Summit"},
		nouns: []string{"Road Bike", "Gravel Bike", "Helmet", "Bike Light"}, adjectives: []string{"Carbon", "Aero", "City", "Commuter"},
		price: [2]int64{2900, 349900}, weight: [2]int{200, 11000},
		attrs: func(r rng) map[string]any {
			return map[string]any{"frame": r.pick([]string{"aluminium", "carbon", "steel"})}
		},
		options: []option{{"size", []string{"S", "M", "L"}, nil}}},
}

var authors = []string{"Ada Lindqvist", "Tomas Reyes", "Mina Okafor", "Jun Watanabe", "Clara Moreau", "Ibrahim Haddad",
	"Sofia Rossi", "Liam O'Connor", "Priya Raman", "Elena Novak"}
