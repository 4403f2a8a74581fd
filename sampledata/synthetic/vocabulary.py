"""The words synthetic records are made of: places, name parts and their spellings, sentence pieces.

Everything here is invented or generic. Names are assembled from parts the way real group names
are (Urdu/Persian izafat compounds, Arabic construct phrases, English and Spanish liberation
fronts), so some combinations will match real groups; the facts attached to them are fiction.
Outlets write under the reserved `.example` domain.
"""

from __future__ import annotations

from dataclasses import dataclass

from groups.models import AttackType, TargetType, WeaponType


@dataclass(frozen=True)
class Country:
    code: str
    adjective: str
    weight: float  # how often groups are based and attacks happen here
    styles: dict[str, float]  # naming style -> weight
    cities: tuple[tuple[str, str, float, float], ...]  # locality, province, latitude, longitude
    places: tuple[str, ...]  # as they appear in group names
    peoples: tuple[str, ...]  # adjectives for English-style names
    neighbours: tuple[str, ...] = ()


URDU, ARABIC, ENGLISH, SPANISH = "urdu", "arabic", "english", "spanish"

COUNTRIES = (
    Country("PK", "Pakistani", 14, {URDU: 0.6, ARABIC: 0.15, ENGLISH: 0.25},
            (("Quetta", "Balochistan", 30.18, 66.98), ("Peshawar", "Khyber Pakhtunkhwa", 34.01, 71.58),
             ("Karachi", "Sindh", 24.86, 67.01), ("Lahore", "Punjab", 31.55, 74.34), ("Mastung", "Balochistan", 29.80, 66.85),
             ("Bannu", "Khyber Pakhtunkhwa", 32.99, 70.60), ("Dera Ismail Khan", "Khyber Pakhtunkhwa", 31.83, 70.90)),
            ("Pakistan", "Balochistan", "Waziristan", "Khyber", "Swat", "Bajaur", "Sindh", "Punjab", "Kurram", "Mohmand"),
            ("Baloch", "Sindhi", "Pashtun", "Mohajir"), ("AF", "IN")),
    Country("AF", "Afghan", 12, {URDU: 0.5, ARABIC: 0.25, ENGLISH: 0.25},
            (("Kabul", "Kabul", 34.53, 69.17), ("Kandahar", "Kandahar", 31.61, 65.71), ("Jalalabad", "Nangarhar", 34.43, 70.45),
             ("Kunduz", "Kunduz", 36.73, 68.86), ("Lashkar Gah", "Helmand", 31.59, 64.37), ("Ghazni", "Ghazni", 33.55, 68.42)),
            ("Afghanistan", "Khorasan", "Helmand", "Kandahar", "Nangarhar", "Kunar", "Paktia", "Badakhshan"),
            ("Afghan", "Pashtun", "Hazara", "Tajik"), ("PK",)),
    Country("IQ", "Iraqi", 14, {ARABIC: 0.8, ENGLISH: 0.2},
            (("Baghdad", "Baghdad", 33.31, 44.36), ("Mosul", "Nineveh", 36.34, 43.13), ("Kirkuk", "Kirkuk", 35.47, 44.39),
             ("Ramadi", "Anbar", 33.42, 43.30), ("Baqubah", "Diyala", 33.75, 44.64), ("Tikrit", "Salahuddin", 34.60, 43.68)),
            ("Iraq", "Anbar", "Diyala", "Nineveh", "Mosul", "Kirkuk", "Rafidayn"), ("Iraqi", "Kurdish", "Sunni", "Anbari"), ("SY", "TR")),
    Country("SY", "Syrian", 8, {ARABIC: 0.8, ENGLISH: 0.2},
            (("Aleppo", "Aleppo", 36.20, 37.13), ("Raqqa", "Raqqa", 35.95, 39.01), ("Idlib", "Idlib", 35.93, 36.63),
             ("Deir ez-Zor", "Deir ez-Zor", 35.34, 40.14), ("Homs", "Homs", 34.73, 36.72)),
            ("Sham", "Syria", "Idlib", "Aleppo", "Raqqa", "Hawran", "Qalamoun"), ("Syrian", "Kurdish", "Free"), ("IQ", "TR")),
    Country("IN", "Indian", 9, {URDU: 0.3, ENGLISH: 0.7},
            (("Srinagar", "Jammu and Kashmir", 34.08, 74.80), ("Imphal", "Manipur", 24.82, 93.94),
             ("Guwahati", "Assam", 26.14, 91.74), ("Dantewada", "Chhattisgarh", 18.90, 81.35),
             ("Anantnag", "Jammu and Kashmir", 33.73, 75.15)),
            ("Kashmir", "Hind", "Manipur", "Assam", "Nagaland", "Bodoland", "Bastar"),
            ("Kashmiri", "Naga", "Bodo", "Manipuri", "Assamese", "Maoist"), ("PK", "BD")),
    Country("NG", "Nigerian", 6, {ARABIC: 0.5, ENGLISH: 0.5},
            (("Maiduguri", "Borno", 11.85, 13.16), ("Damaturu", "Yobe", 11.75, 11.96), ("Kano", "Kano", 12.00, 8.52),
             ("Abuja", "Federal Capital Territory", 9.08, 7.40), ("Bama", "Borno", 11.52, 13.69), ("Warri", "Delta", 5.52, 5.75)),
            ("Nigeria", "Borno", "Niger Delta", "Yobe", "Biafra"), ("Ijaw", "Igbo", "Niger Delta", "Nigerian"), ("CM",)),
    Country("SO", "Somali", 6, {ARABIC: 0.7, ENGLISH: 0.3},
            (("Mogadishu", "Banaadir", 2.05, 45.32), ("Kismayo", "Lower Juba", -0.36, 42.55), ("Baidoa", "Bay", 3.12, 43.65),
             ("Beledweyne", "Hiran", 4.74, 45.20)),
            ("Somalia", "Jubaland", "Puntland", "Shabelle"), ("Somali", "Jubba"), ("KE",)),
    Country("PH", "Philippine", 5, {ARABIC: 0.4, ENGLISH: 0.6},
            (("Marawi", "Lanao del Sur", 8.00, 124.29), ("Cotabato City", "Maguindanao", 7.22, 124.25), ("Jolo", "Sulu", 6.05, 121.00),
             ("Zamboanga City", "Zamboanga del Sur", 6.91, 122.08)),
            ("Mindanao", "Sulu", "Basilan", "Lanao", "Philippines"), ("Moro", "Bangsamoro", "Filipino")),
    Country("CO", "Colombian", 5, {SPANISH: 0.85, ENGLISH: 0.15},
            (("Bogotá", "Bogotá", 4.71, -74.07), ("Cali", "Valle del Cauca", 3.45, -76.53), ("Cúcuta", "Norte de Santander", 7.89, -72.50),
             ("Medellín", "Antioquia", 6.24, -75.58), ("Tumaco", "Nariño", 1.80, -78.76)),
            ("Colombia", "Cauca", "Magdalena", "Caquetá", "Antioquia", "Catatumbo"), ("Colombian", "Andean"), ("PE",)),
    Country("YE", "Yemeni", 4, {ARABIC: 0.85, ENGLISH: 0.15},
            (("Aden", "Aden", 12.79, 45.02), ("Sanaa", "Amanat al-Asimah", 15.37, 44.19), ("Mukalla", "Hadramawt", 14.54, 49.12),
             ("Marib", "Marib", 15.46, 45.33)),
            ("Yemen", "Hadramawt", "Abyan", "Shabwa", "Aden"), ("Yemeni", "Southern"), ("SO",)),
    Country("TR", "Turkish", 3, {ENGLISH: 1.0},
            (("Diyarbakır", "Diyarbakır", 37.91, 40.24), ("Istanbul", "Istanbul", 41.01, 28.98), ("Hakkari", "Hakkari", 37.57, 43.74)),
            ("Kurdistan", "Anatolia", "Amed"), ("Kurdish", "Turkish", "Armenian"), ("SY", "IQ")),
    Country("LY", "Libyan", 3, {ARABIC: 0.8, ENGLISH: 0.2},
            (("Benghazi", "Benghazi", 32.12, 20.09), ("Sirte", "Sirte", 31.21, 16.59), ("Derna", "Derna", 32.76, 22.64),
             ("Tripoli", "Tripoli", 32.89, 13.19)),
            ("Libya", "Barqa", "Derna", "Fezzan"), ("Libyan", "Cyrenaican"), ("EG", "DZ")),
    Country("ML", "Malian", 3, {ARABIC: 0.6, ENGLISH: 0.4},
            (("Gao", "Gao", 16.27, -0.04), ("Timbuktu", "Tombouctou", 16.77, -3.01), ("Mopti", "Mopti", 14.49, -4.20),
             ("Kidal", "Kidal", 18.44, 1.41)),
            ("Azawad", "Sahel", "Macina", "Mali"), ("Tuareg", "Azawadi", "Fulani"), ("BF", "DZ")),
    Country("EG", "Egyptian", 3, {ARABIC: 0.8, ENGLISH: 0.2},
            (("Arish", "North Sinai", 31.13, 33.80), ("Rafah", "North Sinai", 31.28, 34.24), ("Cairo", "Cairo", 30.04, 31.24)),
            ("Sinai", "Egypt", "Misr"), ("Egyptian", "Sinai"), ("LY",)),
    Country("LK", "Sri Lankan", 2, {ENGLISH: 1.0},
            (("Jaffna", "Northern Province", 9.66, 80.02), ("Colombo", "Western Province", 6.93, 79.86),
             ("Batticaloa", "Eastern Province", 7.73, 81.69)),
            ("Tamil Eelam", "Jaffna", "Eelam"), ("Tamil", "Sinhala"), ("IN",)),
    Country("ES", "Spanish", 2, {SPANISH: 0.5, ENGLISH: 0.5},
            (("Bilbao", "Basque Country", 43.26, -2.93), ("San Sebastián", "Basque Country", 43.32, -1.98),
                     ("Madrid", "Madrid", 40.42, -3.70)),
            ("Euskadi", "Galicia", "Iberia"), ("Basque", "Galician", "Iberian")),
    Country("GB", "British", 3, {ENGLISH: 1.0},
            (("Belfast", "Northern Ireland", 54.60, -5.93), ("Derry", "Northern Ireland", 55.00, -7.32),
                     ("London", "England", 51.51, -0.13)),
            ("Ulster", "Ireland", "Armagh", "Antrim"), ("Irish", "Ulster", "Loyalist", "Republican")),
    Country("PE", "Peruvian", 3, {SPANISH: 0.85, ENGLISH: 0.15},
            (("Ayacucho", "Ayacucho", -13.16, -74.22), ("Lima", "Lima", -12.05, -77.04), ("Huancayo", "Junín", -12.07, -75.21)),
            ("Perú", "Ayacucho", "Huallaga", "los Andes"), ("Peruvian", "Andean"), ("CO",)),
    Country("TH", "Thai", 2, {ENGLISH: 0.6, ARABIC: 0.4},
            (("Pattani", "Pattani", 6.87, 101.25), ("Yala", "Yala", 6.54, 101.28), ("Narathiwat", "Narathiwat", 6.43, 101.82)),
            ("Patani", "Yala", "Narathiwat"), ("Patani", "Malay")),
    Country("BD", "Bangladeshi", 2, {URDU: 0.3, ARABIC: 0.3, ENGLISH: 0.4},
            (("Dhaka", "Dhaka", 23.81, 90.41), ("Chittagong", "Chittagong", 22.36, 91.78)),
            ("Bangladesh", "Bengal", "Chittagong"), ("Bengali", "Jumma"), ("IN",)),
    Country("KE", "Kenyan", 2, {ARABIC: 0.6, ENGLISH: 0.4},
            (("Mandera", "Mandera", 3.94, 41.86), ("Garissa", "Garissa", -0.45, 39.65), ("Lamu", "Lamu", -2.27, 40.90),
             ("Nairobi", "Nairobi", -1.29, 36.82)),
            ("Kenya", "Lamu", "Mombasa"), ("Kenyan", "Coastal"), ("SO",)),
    Country("CM", "Cameroonian", 1.5, {ENGLISH: 0.6, ARABIC: 0.4},
            (("Kolofata", "Far North", 11.16, 14.01), ("Mora", "Far North", 11.05, 14.14), ("Bamenda", "Northwest", 5.96, 10.15)),
            ("Ambazonia", "Cameroon"), ("Ambazonian", "Anglophone"), ("NG",)),
    Country("BF", "Burkinabè", 2, {ARABIC: 0.6, ENGLISH: 0.4},
            (("Djibo", "Sahel", 14.10, -1.63), ("Dori", "Sahel", 14.04, -0.03), ("Ouagadougou", "Centre", 12.37, -1.52)),
            ("Burkina", "Liptako", "Soum"), ("Burkinabè", "Fulani"), ("ML",)),
    Country("MZ", "Mozambican", 1, {ARABIC: 0.6, ENGLISH: 0.4},
            (("Mocímboa da Praia", "Cabo Delgado", -11.35, 40.35), ("Palma", "Cabo Delgado", -10.77, 40.47),
             ("Pemba", "Cabo Delgado", -12.97, 40.52)),
            ("Cabo Delgado", "Mozambique"), ("Mozambican",)),
    Country("DZ", "Algerian", 2, {ARABIC: 0.8, ENGLISH: 0.2},
            (("Algiers", "Algiers", 36.75, 3.06), ("Blida", "Blida", 36.47, 2.83), ("Tizi Ouzou", "Tizi Ouzou", 36.71, 4.05)),
            ("Maghreb", "Algeria", "Kabylie"), ("Algerian", "Kabyle"), ("LY", "ML")),
)  # fmt: skip

COUNTRY_BY_CODE = {country.code: country for country in COUNTRIES}

# Urdu/Persian compounds: "Lashkar-e-Jhangvi", "Harakat-ul-Mujahideen", "Tehreek-e-Taliban Pakistan".
URDU_HEADS = {
    "Lashkar": "Army", "Jaish": "Army", "Tehreek": "Movement", "Harakat": "Movement", "Sipah": "Soldiers", "Hizb": "Party",
    "Jamaat": "Society", "Tanzeem": "Organisation", "Majlis": "Council", "Ittehad": "Union", "Jamiat": "Assembly", "Anjuman": "Society",
}  # fmt: skip
URDU_TAILS = {
    "Jhangvi": "Jhangvi", "Muhammad": "Muhammad", "Taliban": "the Students", "Sahaba": "the Companions", "Mujahideen": "the Holy Warriors",
    "Islam": "Islam", "Ansar": "the Helpers", "Khorasan": "Khorasan", "Mustafa": "Mustafa", "Inqilab": "the Revolution",
    "Azadi": "Freedom", "Jihad": "Jihad", "Tauheed": "Monotheism", "Furqan": "the Criterion", "Tayyaba": "the Pure", "Omar": "Omar",
    "Haqqani": "Haqqani", "Mehdi": "the Mahdi", "Abbas": "Abbas", "Ahrar": "the Free", "Hind": "India", "Shariat": "Sharia",
    "Fidayeen": "the Self-Sacrificers", "Momineen": "the Believers", "Ghazi": "the Ghazi", "Zarb": "the Strike", "Nifaz": "Enforcement",
}  # fmt: skip

# Arabic construct phrases: "Ansar al-Sharia", "Jaish al-Adl", "Jamaat al-Tawhid wal-Jihad".
ARABIC_HEADS = {
    "Ansar": ("Supporters", "أنصار"), "Jabhat": ("Front", "جبهة"), "Jaish": ("Army", "جيش"), "Kataib": ("Brigades", "كتائب"),
    "Harakat": ("Movement", "حركة"), "Jamaat": ("Group", "جماعة"), "Liwa": ("Brigade", "لواء"), "Saraya": ("Companies", "سرايا"),
    "Asaib": ("League", "عصائب"), "Junud": ("Soldiers", "جنود"), "Hizb": ("Party", "حزب"), "Tanzim": ("Organisation", "تنظيم"),
    "Faylaq": ("Legion", "فيلق"), "Usbat": ("Band", "عصبة"), "Majlis Shura": ("Shura Council", "مجلس شورى"), "Ahl": ("People", "أهل"),
    "Quwat": ("Forces", "قوات"), "Alwiya": ("Battalions", "ألوية"),
}  # fmt: skip
ARABIC_TAILS = {
    "Sharia": ("Sharia", "الشريعة"), "Nusra": ("Support", "النصرة"), "Adl": ("Justice", "العدل"), "Islam": ("Islam", "الإسلام"),
    "Haqq": ("Truth", "الحق"), "Furqan": ("the Criterion", "الفرقان"), "Tawhid": ("Monotheism", "التوحيد"),
    "Qaeda": ("the Base", "القاعدة"),
    "Jihad": ("Jihad", "الجهاد"), "Mujahideen": ("the Mujahideen", "المجاهدين"), "Sunna": ("the Sunna", "السنة"),
    "Khilafa": ("the Caliphate", "الخلافة"), "Shabaab": ("the Youth", "الشباب"), "Dawa": ("the Call", "الدعوة"),
    "Fath": ("Conquest", "الفتح"),
    "Umma": ("the Nation", "الأمة"), "Muhajirin": ("the Emigrants", "المهاجرين"), "Islah": ("Reform", "الإصلاح"),
    "Nasr": ("Victory", "النصر"),
    "Aqsa": ("al-Aqsa", "الأقصى"), "Rahman": ("the Merciful", "الرحمن"), "Murabitun": ("the Sentinels", "المرابطون"),
    "Haramain": ("the Two Sanctuaries", "الحرمين"), "Muwahhidin": ("the Monotheists", "الموحدين"), "Ahrar": ("the Free", "الأحرار"),
    "Quds": ("Jerusalem", "القدس"), "Thawra": ("the Revolution", "الثورة"), "Tawba": ("Repentance", "التوبة"),
    "Ghuraba": ("the Strangers", "الغرباء"), "Izza": ("Glory", "العزة"), "Karama": ("Dignity", "الكرامة"),
    "Sahwa": ("the Awakening", "الصحوة"),
}  # fmt: skip
ARABIC_PLACES = {
    "Iraq": "العراق", "Sham": "الشام", "Syria": "سوريا", "Yemen": "اليمن", "Sinai": "سيناء", "Somalia": "الصومال", "Libya": "ليبيا",
    "Egypt": "مصر", "Maghreb": "المغرب", "Algeria": "الجزائر", "Sahel": "الساحل", "Khorasan": "خراسان", "Pakistan": "باكستان",
    "Afghanistan": "أفغانستان", "Kenya": "كينيا", "Nigeria": "نيجيريا", "Mali": "مالي", "Mindanao": "مينداناو",
}  # fmt: skip
SUN_LETTERS = ("t", "th", "d", "dh", "r", "z", "s", "sh", "n", "l")

# English-style fronts and armies: "Baloch Liberation Army", "Popular Front for the Liberation of Azawad".
ENGLISH_ADJECTIVES = (
    "Liberation", "Revolutionary", "Popular", "National", "Democratic", "Islamic", "United", "People's", "Socialist", "Patriotic",
    "Freedom", "Republican", "Resistance", "Defence",
)  # fmt: skip
ENGLISH_NOUNS = (
    "Army", "Front", "Movement", "Council", "Brigade", "Forces", "Organisation", "Union", "Tigers", "Commandos", "Vanguard", "Command",
)  # fmt: skip
MARTYRS = (
    "Abdullah Azzam", "Abu Bakr", "Omar Mukhtar", "Salahuddin", "Khalid ibn al-Walid", "Abu Hafs", "Hamza", "Bilal", "Tariq ibn Ziyad",
    "Saad ibn Abi Waqqas", "Yusuf al-Azma", "Ahmad Yasin", "Usama", "Mus'ab ibn Umair", "Ali Shariati", "Abu Ubaida",
)  # fmt: skip

# Spanish-style: "Ejército de Liberación Nacional", "Fuerzas Armadas Revolucionarias de Colombia".
SPANISH_NOUNS = {  # name: (gender, English)
    "Ejército": ("m", "Army"), "Frente": ("m", "Front"), "Movimiento": ("m", "Movement"), "Fuerzas Armadas": ("fp", "Armed Forces"),
    "Comando": ("m", "Command"), "Brigada": ("f", "Brigade"), "Guerrilla": ("f", "Guerrilla"), "Unión": ("f", "Union"),
    "Columna": ("f", "Column"), "Autodefensas": ("fp", "Self-Defence Forces"), "Destacamento": ("m", "Detachment"),
    "Partido": ("m", "Party"),
}  # fmt: skip
SPANISH_ADJECTIVES = {  # (masculine, feminine, feminine plural): English
    ("Revolucionario", "Revolucionaria", "Revolucionarias"): "Revolutionary", ("Popular", "Popular", "Populares"): "Popular",
    ("Nacional", "Nacional", "Nacionales"): "National", ("Patriótico", "Patriótica", "Patrióticas"): "Patriotic",
    ("Democrático", "Democrática", "Democráticas"): "Democratic", ("Campesino", "Campesina", "Campesinas"): "Peasant",
    ("Obrero", "Obrera", "Obreras"): "Workers'", ("Indígena", "Indígena", "Indígenas"): "Indigenous", ("Rojo", "Roja", "Rojas"): "Red",
    ("Unido", "Unida", "Unidas"): "United", ("Bolivariano", "Bolivariana", "Bolivarianas"): "Bolivarian",
}  # fmt: skip
SPANISH_COMPLEMENTS = {
    "de Liberación Nacional": "of National Liberation", "de Liberación Popular": "of Popular Liberation", "del Pueblo": "of the People",
    "de la Resistencia": "of the Resistance", "Túpac Amaru": "Túpac Amaru", "Simón Bolívar": "Simón Bolívar",
    "Camilo Torres": "Camilo Torres", "Quintín Lame": "Quintín Lame", "Jaime Bateman": "Jaime Bateman", "Ricardo Franco": "Ricardo Franco",
}  # fmt: skip

# Spellings a source may use for a word of a name. Some meet under the search key (Tehreek/Tehrik,
# Qaeda/Qaida), others do not (Tahreek, Jaysh); both kinds are recorded as variants.
SPELLINGS = {
    "Tehreek": ("Tehrik", "Tahreek", "Tahrik"), "Jaish": ("Jaysh", "Jeish"), "Harakat": ("Harkat", "Harakah"), "Sipah": ("Sepah",),
    "Hizb": ("Hezb",), "Jamaat": ("Jama'at", "Jamaah", "Jamat"), "Tanzeem": ("Tanzim",), "Majlis": ("Majles",),
    "Ittehad": ("Ittihad", "Itehad"), "Jamiat": ("Jamiyat",), "Anjuman": ("Anjoman",), "Jhangvi": ("Jhangwi",),
    "Muhammad": ("Mohammed", "Muhammed", "Mohammad", "Muhamad"), "Taliban": ("Taleban",), "Sahaba": ("Sahabah",),
    "Mujahideen": ("Mujahidin", "Mujahedin", "Mujahiddin"), "Inqilab": ("Inquilab", "Enqelab"), "Azadi": ("Azaadi",),
    "Tauheed": ("Tawheed", "Tauhid"), "Furqan": ("Furqaan",), "Tayyaba": ("Taiba", "Tayyiba", "Toiba"), "Omar": ("Umar",),
    "Mehdi": ("Mahdi",), "Haqqani": ("Haqani",), "Shariat": ("Shariyat",), "Fidayeen": ("Fedayeen", "Fidayin"),
    "Momineen": ("Mominin", "Mumineen"), "Ghazi": ("Gazi",), "Qaeda": ("Qaida", "Qa'ida"), "Sharia": ("Shariah", "Shari'a"),
    "Nusra": ("Nusrah",), "Tawhid": ("Tawheed", "Tauhid"), "Sunna": ("Sunnah",), "Khilafa": ("Khilafah",), "Shabaab": ("Shabab", "Shebab"),
    "Dawa": ("Da'wa", "Dawah"), "Umma": ("Ummah",), "Muhajirin": ("Muhajireen", "Mouhajirin"), "Murabitun": ("Mourabitoun", "Murabitoon"),
    "Muwahhidin": ("Muwahideen", "Mowahhidin"), "Ahrar": ("Ahraar",), "Quds": ("Qods",), "Thawra": ("Thawrah",),
    "Kataib": ("Kata'ib", "Kataeb"), "Jabhat": ("Jabha", "Jebhat"), "Liwa": ("Liwaa",), "Asaib": ("Asa'ib", "Asaeb"),
    "Junud": ("Jund", "Junood"), "Tanzim": ("Tanzeem",), "Faylaq": ("Failaq",), "Usbat": ("Osbat",), "Islam": ("Islaam",),
    "Haqq": ("Haq",), "Adl": ("Adel",), "Khorasan": ("Khurasan", "Khorassan"), "Waziristan": ("Wazirestan",),
    "Balochistan": ("Baluchistan", "Baloochistan"), "Baloch": ("Baluch", "Balooch"), "Kashmir": ("Kashmeer",),
    "Pashtun": ("Pakhtun", "Pushtun"),
    "Sham": ("Shaam",), "Euskadi": ("Euzkadi",), "Organisation": ("Organization",), "Defence": ("Defense",),
    "People's": ("Peoples'", "Peoples"),
    "Brigade": ("Brigades",), "Rafidayn": ("Rafidain",), "Hadramawt": ("Hadramout",), "Azawad": ("Azaouad",),
}  # fmt: skip
# Scholarly transliteration marks long vowels; the search key drops them.
LONG_VOWELS = {"a": "ā", "i": "ī", "u": "ū"}

IDEOLOGIES = {
    URDU: ("Deobandi jihadist", "sectarian Sunni", "Kashmiri separatist", "Pashtun Islamist", "Shia sectarian", "Islamist"),
    ARABIC: ("Salafi-jihadist", "Islamist", "Shia Islamist", "jihadist", "Islamist nationalist"),
    ENGLISH: ("ethno-nationalist separatist", "Marxist-Leninist", "left-wing revolutionary", "Maoist", "separatist", "Islamist separatist",
              "loyalist paramilitary", "republican"),
    SPANISH: ("Marxist-Leninist guerrilla", "Maoist", "Guevarist", "right-wing paramilitary", "separatist"),
}  # fmt: skip
KIND_NOUNS = {
    "organisation": "organisation", "branch": "branch", "faction": "faction", "network": "network", "movement": "movement",
    "other": "armed group",
}  # fmt: skip
PEJORATIVES = {URDU: ("Khawarij", "Fitna al-Khawarij", "Takfiris"), ARABIC: ("Khawarij", "Takfiris", "Daeshis"),
               ENGLISH: ("the Bandits", "the Terror Gang"), SPANISH: ("narcoguerrilla", "los Bandoleros")}  # fmt: skip

# GTD-like frequencies.
ATTACK_TYPES = {
    AttackType.BOMBING_EXPLOSION: 48, AttackType.ARMED_ASSAULT: 24, AttackType.ASSASSINATION: 10,
    AttackType.HOSTAGE_TAKING_KIDNAPPING: 6, AttackType.FACILITY_INFRASTRUCTURE_ATTACK: 6, AttackType.UNKNOWN: 4,
    AttackType.HOSTAGE_TAKING_BARRICADE: 0.6, AttackType.UNARMED_ASSAULT: 0.6, AttackType.HIJACKING: 0.4,
}  # fmt: skip
WEAPONS = {
    AttackType.BOMBING_EXPLOSION: {WeaponType.EXPLOSIVES: 95, WeaponType.INCENDIARY: 3, WeaponType.UNKNOWN: 2},
    AttackType.ARMED_ASSAULT: {WeaponType.FIREARMS: 85, WeaponType.EXPLOSIVES: 10, WeaponType.MELEE: 5},
    AttackType.ASSASSINATION: {WeaponType.FIREARMS: 70, WeaponType.EXPLOSIVES: 25, WeaponType.MELEE: 5},
    AttackType.HOSTAGE_TAKING_KIDNAPPING: {WeaponType.FIREARMS: 60, WeaponType.UNKNOWN: 40},
    AttackType.HOSTAGE_TAKING_BARRICADE: {WeaponType.FIREARMS: 80, WeaponType.EXPLOSIVES: 20},
    AttackType.HIJACKING: {WeaponType.FIREARMS: 70, WeaponType.FAKE_WEAPONS: 15, WeaponType.EXPLOSIVES: 15},
    AttackType.FACILITY_INFRASTRUCTURE_ATTACK: {WeaponType.INCENDIARY: 60, WeaponType.EXPLOSIVES: 30, WeaponType.SABOTAGE_EQUIPMENT: 10},
    AttackType.UNARMED_ASSAULT: {WeaponType.MELEE: 60, WeaponType.OTHER: 40},
    AttackType.UNKNOWN: {WeaponType.UNKNOWN: 90, WeaponType.FIREARMS: 10},
}  # fmt: skip
TARGETS = {  # target type: (weight, places it is hit at)
    TargetType.PRIVATE_CITIZENS_PROPERTY: (24, ("market", "bus stop", "wedding party", "village", "residential street")),
    TargetType.MILITARY: (16, ("army post", "military convoy", "army checkpoint", "military base")),
    TargetType.POLICE: (14, ("police station", "police checkpoint", "police convoy", "police training centre")),
    TargetType.GOVERNMENT_GENERAL: (12, ("government office", "district headquarters", "polling station", "courthouse")),
    TargetType.BUSINESS: (11, ("hotel", "shopping centre", "bank", "restaurant")),
    TargetType.TRANSPORTATION: (4, ("bus", "railway station", "highway", "bridge")),
    TargetType.RELIGIOUS_FIGURES_INSTITUTIONS: (3, ("mosque", "church", "shrine", "temple")),
    TargetType.EDUCATIONAL_INSTITUTION: (3, ("school", "university", "college")),
    TargetType.UTILITIES: (3, ("power station", "gas pipeline", "electricity pylon")),
    TargetType.UNKNOWN: (3, ("town centre", "roadside")),
    TargetType.TERRORISTS_NON_STATE_MILITIA: (2, ("militia compound", "rival group's hideout")),
    TargetType.JOURNALISTS_MEDIA: (1, ("newspaper office", "radio station")),
    TargetType.GOVERNMENT_DIPLOMATIC: (1, ("embassy", "consulate")),
    TargetType.VIOLENT_POLITICAL_PARTY: (0.7, ("party office",)),
    TargetType.NGO: (0.6, ("aid agency office", "vaccination team")),
    TargetType.TELECOMMUNICATION: (0.5, ("telecom tower",)),
    TargetType.AIRPORTS_AIRCRAFT: (0.5, ("airport",)),
    TargetType.OTHER: (0.5, ("sports ground",)),
    TargetType.MARITIME: (0.3, ("port",)),
    TargetType.TOURISTS: (0.3, ("tourist hotel",)),
    TargetType.FOOD_WATER_SUPPLY: (0.2, ("water treatment plant",)),
    TargetType.ABORTION_RELATED: (0.05, ("clinic",)),
}  # fmt: skip
# How an attack reads in a title ("Bombing at"), in a sentence ("a bomb exploded at"), and as a noun ("the bombing").
ATTACK_WORDS = {
    AttackType.BOMBING_EXPLOSION: ("Bombing at", "a bomb exploded at", "bombing"),
    AttackType.ARMED_ASSAULT: ("Armed assault on", "gunmen attacked", "attack"),
    AttackType.ASSASSINATION: ("Assassination at", "gunmen opened fire on officials at", "assassination"),
    AttackType.HOSTAGE_TAKING_KIDNAPPING: ("Kidnapping at", "armed men abducted several people at", "kidnapping"),
    AttackType.HOSTAGE_TAKING_BARRICADE: ("Hostage siege at", "militants seized hostages at", "siege"),
    AttackType.HIJACKING: ("Hijacking near", "militants hijacked a vehicle near", "hijacking"),
    AttackType.FACILITY_INFRASTRUCTURE_ATTACK: ("Arson attack on", "attackers set fire to", "arson attack"),
    AttackType.UNARMED_ASSAULT: ("Mob attack on", "a mob attacked", "mob attack"),
    AttackType.UNKNOWN: ("Attack on", "an attack struck", "attack"),
}  # fmt: skip
SUICIDE_BOMBING_WORDS = ("Suicide bombing at", "a suicide bomber blew himself up at", "suicide bombing")

CLAIM_CHANNELS = ("a statement on Telegram", "its spokesman", "a video statement", "a message to journalists", "its news agency")
ATTRIBUTING_PARTIES = (
    "{adjective} authorities",
    "police",
    "the army",
    "intelligence officials",
    "the interior ministry",
    "provincial officials",
)
DISPUTING_PARTIES = ("analysts", "a rival faction", "security officials", "local elders")
AFFILIATION_WITNESSES = ("security officials", "analysts", "a UN monitoring report", "local officials", "the group's own statements")
AFFILIATION_PHRASES = {  # kind: (phrase, reads as an event)
    "branch_of": ("operates as a branch of", False), "faction_of": ("is a faction of", False), "splinter_from": ("split from", True),
    "formerly_part_of": ("left", True), "merged_into": ("merged into", True),
    "pledged_allegiance_to": ("pledged allegiance to", True), "supported_by": ("has received support from", False),
    "inspired_by": ("draws inspiration from", False), "formed_by_former_members_of": ("was formed by former members of", True),
    "allied_with": ("is allied with", False), "cooperated_with": ("has cooperated with", False),
    "affiliated_with": ("is affiliated with", False), "rival_of": ("is a rival of", False),
}  # fmt: skip

OUTLETS = (
    "The Frontier Herald", "Daily Meridian", "Global Wire Service", "The Northern Courier", "Crescent Tribune", "The Delta Observer",
    "Sahel Monitor", "Andean Post", "Eastern Ledger", "The Gulf Dispatch", "Horn Daily", "Mindanao Chronicle", "The Island Times",
    "Continental News Agency", "Riverside Gazette", "The Capital Record", "Coastal Sentinel", "Highland Reporter", "The Plains Journal",
    "Meridian Press Agency", "Border Post Weekly", "The Valley Herald", "Silk Road Review", "Desert Star", "Monsoon Daily",
    "The Atlas Wire", "Harbour News", "The Morning Register",
)  # fmt: skip
FIRST_NAMES = (
    "Amina", "Bilal", "Carlos", "Dana", "Elif", "Farid", "Grace", "Hassan", "Ines", "Javed", "Kemal", "Lina", "Mariam", "Nadia", "Omar",
    "Priya", "Rashid", "Sara", "Tariq", "Usman", "Valeria", "Yusuf", "Zainab", "Aidan", "Fatima", "Kofi", "Maya", "Noor", "Rohan", "Sofia",
)  # fmt: skip
LAST_NAMES = (
    "Ahmed", "Baig", "Castillo", "Diallo", "Evans", "Farouk", "Gill", "Haddad", "Iqbal", "Jensen", "Khan", "Lopez", "Mensah", "Nasser",
    "Okafor", "Perera", "Qureshi", "Rahman", "Santos", "Toure", "Usmani", "Vargas", "Walsh", "Yilmaz", "Zubair", "Osei", "Mahmoud",
)  # fmt: skip
FILLERS = (
    "Security forces cordoned off the area and began a search operation.",
    "Officials said an investigation was under way.",
    "The region has seen repeated violence in recent years.",
    "Hospitals in the area were placed on alert.",
    "Residents said they heard gunfire for several hours.",
    "Roads into the town were closed for the rest of the day.",
    "The government condemned the violence and promised to find those responsible.",
    "Analysts say the strength of the armed groups in the area is hard to estimate.",
    "Local elders called for calm.",
    "Schools in the district were closed as a precaution.",
    "The figures could not be independently verified.",
    "Aid agencies said they were assessing the needs of those affected.",
)
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
