package sandbox

import (
	"fmt"
	"time"
)

// seedGroups are the product groups of every generated store catalog.
var seedGroups = []struct {
	name, articlePrefix string
}{
	{"Молочные продукты", "MLK"},
	{"Хлеб и выпечка", "HLB"},
	{"Бакалея", "BAK"},
	{"Напитки", "NAP"},
	{"Кулинария", "KUL"},
}

// seedProduct is a product of the generated catalogs. Group -1 puts the
// product at the top level, outside every group.
type seedProduct struct {
	group       int
	name        string
	measure     string
	price       int64 // kopecks
	description string
	service     bool
	// unique keeps the product out of the numbered copies that fill
	// catalogs larger than seedProducts.
	unique bool
}

// seedProducts are the first products of every catalog, chosen to cover the
// cases a sync must handle. They include names of 2 and of more than 100
// runes, prices such as 89.9, 120 and 0.5, weighed goods and a service.
// Two products have no group, and one description has a link, which VK
// rejects with error 1408.
var seedProducts = []seedProduct{
	{group: 0, name: "Молоко пастеризованное «Простоквашино» 3,2%, 930 мл", measure: "шт", price: 8990,
		description: "Пастеризованное коровье молоко. Хранить при температуре от +2 до +6 °C."},
	{group: 0, name: "Кефир 1%", measure: "шт", price: 6450},
	{group: 0, name: "Сметана 20% «Домик в деревне», 300 г", measure: "шт", price: 12000,
		description: "Густая сметана из нормализованных сливок."},
	{group: 0, name: "Творог рассыпчатый 9%", measure: "кг", price: 54000,
		description: "Весовой творог от фермерского хозяйства из Тверской области."},
	{group: 0, name: "Сыр «Российский» весовой", measure: "кг", price: 79900},
	{group: 0, name: "Йогурт питьевой клубничный 2,5%, 290 г", measure: "шт", price: 5590},
	{group: 0, name: "Масло сливочное 82,5%, 180 г", measure: "шт", price: 18990,
		description: "Традиционное сливочное масло высшего сорта."},
	{group: 1, name: "Хлеб «Бородинский» в нарезке, 400 г", measure: "шт", price: 5790,
		description: "Заварной ржаной хлеб с кориандром."},
	{group: 1, name: "Батон нарезной", measure: "шт", price: 4500},
	{group: 1, name: "Багет французский", measure: "шт", price: 7900,
		description: "Выпекаем в магазине каждое утро."},
	{group: 1, name: "Круассан с шоколадной начинкой", measure: "шт", price: 6900},
	{group: 1, name: "Пирожок с капустой", measure: "шт", price: 3500},
	{group: 1, name: "Лаваш армянский тонкий, 3 листа", measure: "шт", price: 4990},
	{group: 2, name: "Гречка ядрица, 900 г", measure: "шт", price: 10990},
	{group: 2, name: "Рис круглозёрный «Краснодарский», 800 г", measure: "шт", price: 9490,
		description: "Рис для каш, ризотто и плова."},
	{group: 2, name: "Макароны «Спагетти» из твёрдых сортов пшеницы, 450 г", measure: "шт", price: 8990},
	{group: 2, name: "Сахар-песок", measure: "кг", price: 8900},
	{group: 2, name: "Мука пшеничная хлебопекарная высшего сорта «Макфа», 2 кг", measure: "шт", price: 13990},
	{group: 2, name: "Масло подсолнечное рафинированное дезодорированное, 1 л", measure: "шт", price: 15490},
	{group: 2, name: "Набор шоколадных конфет ассорти «Вечерний Петербург» в подарочной жестяной коробке " +
		"с атласной лентой, 450 г, новогодняя серия", measure: "шт", price: 189900,
		description: "Двадцать четыре конфеты с пралине, трюфельной и ореховой начинками."},
	{group: 2, name: "Чай чёрный байховый цейлонский высокогорный «Принцесса Нури» отборный " +
		"крупнолистовой в картонной упаковке, 100 г", measure: "шт", price: 15990},
	{group: 2, name: "Соль поваренная пищевая", measure: "кг", price: 2500},
	{group: 2, name: "Кофе молотый «Жокей Классический», 250 г", measure: "шт", price: 32990, unique: true,
		description: "Средняя обжарка. Рецепты приготовления на www.jockey-coffee.example."},
	{group: 3, name: "Вода питьевая негазированная «Шишкин лес», 5 л", measure: "шт", price: 16990},
	{group: 3, name: "Квас живого брожения на розлив", measure: "л", price: 9000,
		description: "Наливаем в вашу тару или в бутылку магазина."},
	{group: 3, name: "Сок яблочный осветлённый, 1 л", measure: "шт", price: 11990},
	{group: 3, name: "Лимонад «Тархун», 0,5 л", measure: "шт", price: 7990},
	{group: 3, name: "Морс клюквенный домашний", measure: "л", price: 15000},
	{group: 3, name: "Минеральная вода «Ессентуки №17» лечебно-столовая газированная, " +
		"стеклянная бутылка 0,45 л", measure: "шт", price: 9990},
	{group: 4, name: "Щи", measure: "шт", price: 19000, unique: true,
		description: "Щи из свежей капусты, порция 300 г."},
	{group: 4, name: "Салат «Оливье» с говядиной, 250 г", measure: "шт", price: 21900},
	{group: 4, name: "Котлета по-киевски", measure: "шт", price: 24500},
	{group: 4, name: "Пельмени домашние ручной лепки из свинины и говядины", measure: "кг", price: 69900,
		description: "Лепим сами и замораживаем в день изготовления."},
	{group: 4, name: "Блины с творогом, 2 шт.", measure: "шт", price: 14900},
	{group: 4, name: "Винегрет", measure: "кг", price: 42000},
	{group: -1, name: "Пакет-майка", measure: "шт", price: 50},
	{group: -1, name: "Доставка по городу", measure: "шт", price: 25000, service: true, unique: true,
		description: "Доставка в пределах города в день заказа."},
	{group: 0, name: "Ряженка 4%, 500 мл", measure: "шт", price: 7290},
	{group: 1, name: "Сушки с маком весовые", measure: "кг", price: 32000},
	{group: 2, name: "Мёд цветочный натуральный", measure: "кг", price: 95000,
		description: "Мёд с пасеки в Алтайском крае."},
}

// seedCopySources are the indexes of seedProducts that numbered copies
// repeat.
var seedCopySources = func() []int {
	var indexes []int
	for i, p := range seedProducts {
		if !p.unique {
			indexes = append(indexes, i)
		}
	}
	return indexes
}()

// catalogAge is how long before the first use of a store its generated
// products were created.
const catalogAge = 30 * 24 * time.Hour

// seedCatalog fills an empty catalog with its groups and size products.
// Everything except the timestamps depends only on the store id and the
// product's position, so a store gets the same catalog on every run.
// Product i is seedProducts[i], or a numbered copy of one beyond those.
// Flags follow fixed patterns. About a third of the products have no
// image, every 13th from the 6th cannot be sold and every 11th from the
// 8th has no stock. Every 10th has neither an article number nor a code.
func seedCatalog(c *storeCatalog, size int, now time.Time) {
	start := now.Add(-catalogAge).UnixMilli()
	groupIDs := make([]string, len(seedGroups))
	for i, g := range seedGroups {
		id := catalogID("group/", c.storeID, "/", i)
		groupIDs[i] = id
		created := start - int64(len(seedGroups)-i)*time.Hour.Milliseconds()
		c.addGroup(&evotorGroup{id: id, name: g.name, createdAt: created, updatedAt: created})
	}

	step := catalogAge.Milliseconds() / int64(max(size, 1))
	for i := range size {
		p := newSeedProduct(c.storeID, i, groupIDs)
		p.createdAt = start + int64(i)*step + int64(i*7919%1000)
		p.updatedAt = min(p.createdAt+int64(i%5)*time.Hour.Milliseconds(), now.UnixMilli())
		c.addProduct(p)
	}
}

// seedProductAt returns the template of product i.
func seedProductAt(i int) seedProduct {
	if i < len(seedProducts) {
		return seedProducts[i]
	}
	return seedProducts[seedCopySources[(i-len(seedProducts))%len(seedCopySources)]]
}

// seedCopyNumber returns 1 for product i of seedProducts and the number,
// from 2, of a numbered copy.
func seedCopyNumber(i int) int {
	if i < len(seedProducts) {
		return 1
	}
	return (i-len(seedProducts))/len(seedCopySources) + 2
}

// newSeedProduct returns product i of the store without its timestamps.
func newSeedProduct(storeID string, i int, groupIDs []string) *evotorProduct {
	t := seedProductAt(i)
	name := t.name
	if n := seedCopyNumber(i); n > 1 {
		name = truncateRunes(fmt.Sprintf("%s (вариант %d)", t.name, n), maxEvotorProductName)
	}
	p := &evotorProduct{
		id:          catalogID("product/", storeID, "/", i),
		name:        name,
		typ:         "NORMAL",
		measureName: t.measure,
		description: t.description,
		price:       t.price,
		costPrice:   t.price * 7 / 10,
		allowToSell: i%13 != 5,
	}
	if t.group >= 0 {
		p.parentID = groupIDs[t.group]
	}
	if t.service {
		p.typ = "SERVICE"
		return p
	}

	prefix := "ETC"
	if t.group >= 0 {
		prefix = seedGroups[t.group].articlePrefix
	}
	switch {
	case i%10 == 9:
	case i%4 == 1:
		p.code = fmt.Sprint(1000 + i)
	case i%4 == 2:
		p.articleNumber = fmt.Sprintf("%s-%05d", prefix, i+1)
		p.code = fmt.Sprint(1000 + i)
	default:
		p.articleNumber = fmt.Sprintf("%s-%05d", prefix, i+1)
	}

	switch {
	case i%7 == 3:
	case i%5 == 0:
		p.barcodes = []string{ean13(int64(i)), ean13(int64(i) + 500_000)}
	default:
		p.barcodes = []string{ean13(int64(i))}
	}

	switch {
	case i%11 == 7:
		p.quantity = 0
	case t.measure == "шт":
		p.quantity = int64(i*37%120+1) * 1000
	default:
		p.quantity = int64(i*7919%50_000 + 250)
	}

	if i%3 != 2 {
		p.imageID = catalogID("image/", storeID, "/", i)
	}
	return p
}

// ean13 returns a valid EAN-13 barcode with the Russian prefix 460 and n in
// the following nine digits.
func ean13(n int64) string {
	digits := fmt.Sprintf("460%09d", n%1_000_000_000)
	sum := 0
	for i, r := range digits {
		d := int(r - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return fmt.Sprintf("%s%d", digits, (10-sum%10)%10)
}
