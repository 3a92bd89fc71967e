"""Builds coding/data/navne_almindelige.txt: the common first names and surnames of people with
immigrant backgrounds in Denmark that the anonymiser masks in lower case too, as it masks the
Danish list's names ("mette", "hansen"): "fatima", "mohammed", "yılmaz", "nguyen".

Why a list of its own: the broad list (navne.tsv.gz, 205,768 names) reaches into the tails of
52 countries' name lists, where words typed into name fields live; in lower case it is trusted
only with evidence ("min veninde zeynep"). Faker's Danish list (~500 first names, 91 surnames)
is masked in lower case without evidence. A tester found the difference: "mette" masked,
"fatima" not. This list is the heads of the lists of the origins of immigrants and descendants
in Denmark, about as long as the Danish list per origin group, so lower-case names are masked
at the same rate whatever their origin.

Run once when a source changes; the output is committed:

    .venv/bin/pip download --no-deps -d /tmp/nd names-dataset==3.3.1
    .venv/bin/python tools/build_common_names.py --wheel /tmp/nd/names_dataset-3.3.1-py3-none-any.whl

Sources
-------
* names-dataset 3.3.1 (PyPI, MIT): first names and surnames with rank <= RANK (300) in each
  country of ND_COUNTRIES — the origins of immigrants in Denmark that the data set has (Turkey,
  Syria, Iraq, Lebanon, Palestine, Jordan, Iran, Afghanistan, Poland, Russia for Ukrainian and
  Russian, Moldova for Romanian, Serbia, Croatia, Albania, Bulgaria, Lithuania, Djibouti and
  Ethiopia for Somali and Eritrean, Sudan, the Maghreb, Egypt, the Gulf states for Pakistani).
  No English-speaking, Nigerian or Philippine lists: their heads are English given names that
  are also words ("Grace", "Hope").
* Faker's Latin-script person providers of origins names-dataset lacks or has thinly: en_PK,
  vi_VN, ro_RO, pl_PL, tr_TR, hr_HR — whole lists (they are short lists of common names).
* HAND: common names and spellings no source above has (Somali, Eritrean and Ethiopian,
  Kurdish, Vietnamese in plain letters, Ukrainian in Latin transliteration, Arabic
  transliterations such as mohammad/muhammad/mohamed), written down by hand.

Every name with diacritics also gets its plain spelling ("Ayşe"/"Ayse", "Yılmaz"/"Yilmaz").

The same words are left out as for the Danish list in lower case (coding/anonymise.py,
`_lower_listed`): a name whose lower-case form or the form as written is a form or lemma in
spacy-lookups-data's Danish lemma table, an everyday English word (the broad list's ``e`` rule),
a Danish stop word, a name of fewer than three letters, and coding/data/ikke_navne.txt's words;
and DROP: heads of lists that are loans or slang in Danish quotes ("rehab", "nada", "habibi").
Column 2 says where the name comes from; column 3 is ``p`` when the name + s is a Danish word
(no possessive).
"""
from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_names import ENGLISH_LOGPROB, latin_name, load_nd, parts, plain, word_tables  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "coding" / "data" / "navne_almindelige.txt"
NEVER = ROOT / "coding" / "data" / "ikke_navne.txt"

ND_COUNTRIES = ("TR SY IQ LB PS JO IR AF PL RU MD RS HR AL BG LT DJ ET SD MA DZ TN LY EG SA KW YE AE").split()
RANK = 300
LOCALES = ("en_PK", "vi_VN", "ro_RO", "pl_PL", "tr_TR", "hr_HR")
#: heads of the lists that are words a Danish quote can have in lower case, found by looking at the
#: names the English table knows (log-probability above -13.5, rarer than the ``e`` rule's -10.5) and
#: at the project's own texts: English loans and slang ("rehab", "nada", "cam", "habibi", "salam").
#: They stay names of the broad list (capitalised, or in lower case with evidence).
DROP = frozenset("""
    Laid Era Meta King Lovely Seven Nail Loot Panic Toy Sing Joy Honey Queen Salad Shady Est Sayin Tan Cam
    Medic Princess Flour Sunny Rehab Tuna Prince Vita Ons Tailor Canal Nova Saber Demise Nano Wad Weld
    Nada Lemma Danish Isin Zin Sha Habibi Salam Salaam Wallah Walla Yalla Inshallah Mashallah Khalas
""".split())
HAND = {
    "arabisk": """Mohammad Mohammed Muhammad Muhammed Mohamed Mohamad Muhamed Mohammet Mahmoud Mahmud Mustafa
        Mostafa Moustafa Mustapha Ahmad Ahmed Ahmet Abdullah Abdallah Abdul Abdel Youssef Yousef Yusuf Jusuf
        Ibrahim Ebrahim Ismail Ismael Khalid Khaled Walid Waleed Hussein Husein Hussain Hussien Hasan Hassan
        Fatima Fatma Fatemeh Aisha Aicha Ayesha Aysha Maryam Mariam Zainab Zaynab Zeinab Khadija Khadidja
        Hadiya Amina Amna Asma Rania Nour Noor Nur Layla Leila Laila Yasmin Yasmina Jasmina Samira Hala Huda
        Houda Rana Reem Salma Sara Sarah Iman Eman Hanan Lina Dalia Rasha Ranya Malak Alaa Bilal Omar Umar
        Tariq Tarek Karim Kareem Samir Sami Nabil Jamal Jamil Rashid Rachid Said Saeed Saleh Salah Hamza
        Anas Amir Emir Adnan Imad Emad Ayman Aiman Osama Usama Zakaria Zakariya Yahya Yehia Jihad Nasser
        Naser Nasir Mansour Mansur Abbas Haidar Haider Hayder Jafar Jaafar Kadhim Kazim Qasim Kassem
        Qassim Mahdi Mehdi Murtaza Mortada Sajjad Ammar Haidari Saadi Rahman Rehman Abdulrahman
        Abdelrahman Abderrahman Abdulaziz Abdelaziz Abdelkader Abdulkadir Abdulkarim Abdelkarim Abdullahi
        Khaleel Khalil Nadia Nadja Hiba Heba Nisreen Nesrin Nasrin Shirin Yara Jana Jouri Ghada""",
    "somalisk": """Abdirahman Abdirahim Abdirashid Abdirizak Abdiaziz Abdikadir Abdiqadir Abdiqani Abdiwali
        Abdisalam Abdishakur Abdinasir Abdifatah Abdullahi Abdikarim Abdi Cabdi Cali Maxamed Maxamuud
        Mohamud Mahamud Axmed Xasan Xuseen Faarax Farah Xamse Hamse Warsame Warsama Jama Jaamac Egal Cigaal
        Hirsi Xirsi Nuur Nur Yusuf Yuusuf Ismaaciil Guled Gulled Mukhtar Abshir Ayaan Ayan Hodan Hibo Hawo
        Hawa Ifrah Sahra Saynab Fadumo Faadumo Ubah Nimco Naima Khadra Deeqa Istahil Sucaad Sagal Hamdi
        Hamda Asad Ilhan Idil Amran Muna Ladan Filsan Najma Nasra Samsam Shukri Ugbaad Yasmiin Caasha
        Aden Adan Aadan Osman Cismaan Ahmed Dahir Daahir Elmi Ceelmi Mohamoud Duale Diriye Gedi Geedi Omar
        Cumar Barre Samatar Dualeh Ibrahim Ibraahim Abukar Abubakar Abdulle Cabdulle Salad Saalax Noor""",
    "eritreisk og etiopisk": """Yonas Yohannes Johannes Yohanes Tesfay Tesfaye Tesfamariam Tesfamichael Haile
        Hailemariam Kidane Berhane Berhe Ghebre Gebre Gebremedhin Gebremariam Ghebremedhin Tekle Tekleab
        Teklehaimanot Habte Habtom Mehari Mehretab Mussie Musie Dawit Kibrom Kiflom Filmon Merhawi Mebrahtu
        Mebrahtom Michael Semere Senait Saba Selam Rahel Yordanos Feven Luwam Semhar Helen Eden Mihret
        Meron Hiwet Tsega Tsehaye Tsegay Abrham Abraham Ermias Yemane Goitom Asmerom Amanuel Aman Afewerki
        Weldu Woldu Woldemichael Tewelde Ghirmay Girmay Negash Negassi Ogbazghi Okbay Zerai Fitsum""",
    "kurdisk": """Rebin Rebwar Shilan Hawre Hawri Azad Dilan Dilshad Berivan Rojin Rojda Zana Karwan Kawa Hemin
        Shwan Ranj Sherzad Nawzad Hozan Roza Rozhin Baran Bahoz Bakhtiar Dlshad Hardi Kardo Karzan Sardar
        Soran Sherwan Shivan Zirek Jwan Zhilwan Ronahi Evin Avin Nazdar Gulistan Hêvî Hevi Viyan Delal
        Xezal Nergiz Diyar Kendal Serhat Hogir Ciwan Berxwedan Barzani Talabani Zebari Dosky Amedi""",
    "afghansk og iransk": """Hamid Wahid Farid Habibullah Hekmatullah Rahmatullah Naqibullah Zabihullah
        Sayed Sayeed Sediq Siddiq Zahra Zohra Mursal Freshta Fereshteh Parwana Mahbooba Nazanin Shabnam
        Nilofar Niloufar Roya Mina Shahla Parisa Ahmadzai Popal Karimi Rahimi Hakimi Hosseini Husseini
        Mohammadi Ahmadi Rezaei Rezai Moradi Jafari Jafari Sadeghi Rostami Hashemi Azizi Nazari Sultani
        Amiri Safi Stanikzai Noori Nuri Habibi Haidari Naderi Samadi Qaderi Qadiri Rahmani Sharifi
        Mahmoudi Ghulam Gholam Reza Abbas Majid Masoud Massoud Mehran Mehrdad Behnam Behzad Arash Kamran
        Farhad Farshad Shahram Dariush Daryush Omid Navid Babak Payam""",
    "pakistansk": """Imran Irfan Rizwan Kashif Asif Shahid Zahid Sajid Majid Tahir Waqas Usman Faisal
        Faysal Adeel Adil Naveed Nadeem Nadim Saima Nazia Rubina Shazia Sadia Sana Ayesha Mehwish Farah
        Hina Bushra Rukhsana Tahira Shabana Iqbal Chaudhry Chaudhary Choudhry Butt Malik Qureshi Siddiqui
        Hussain Raza Shah Mirza Javed Javaid Akhtar Aslam Anwar Ashraf Bashir Latif Rafiq Shafiq Tariq""",
    "tyrkisk": """Mehmet Mustafa Ahmet Hüseyin Huseyin Hasan İbrahim Ibrahim İsmail Ismail Osman Yusuf Murat
        Ömer Omer Ali Emre Burak Serkan Volkan Tolga Cem Kemal Recep Hakan Erkan Ercan Özkan Ozkan Orhan
        Ayşe Ayse Fatma Emine Hatice Zeynep Elif Meryem Merve Esra Büşra Busra Özlem Ozlem Derya Sibel
        Songül Songul Gülsüm Gulsum Şerife Serife Yılmaz Yilmaz Kaya Demir Şahin Sahin Çelik Celik Yıldız
        Yildiz Yıldırım Yildirim Öztürk Ozturk Aydın Aydin Özdemir Ozdemir Arslan Doğan Dogan Kılıç Kilic
        Aslan Çetin Cetin Kara Koç Koc Kurt Özkan Şimşek Simsek Polat Korkmaz Karakaya Erdoğan Erdogan
        Güneş Gunes Aktaş Aktas Tekin Bulut Keskin Ünal Unal Uçar Ucar Gök Gok Akın Akin Akgül Akgul""",
    "polsk": """Piotr Krzysztof Andrzej Tomasz Paweł Pawel Michał Michal Marcin Łukasz Lukasz Grzegorz Mateusz
        Wojciech Jakub Kamil Przemysław Przemyslaw Dariusz Sławomir Slawomir Agnieszka Małgorzata Malgorzata
        Katarzyna Joanna Magdalena Monika Ewa Beata Dorota Aleksandra Justyna Jolanta Żaneta Zaneta
        Nowak Kowalski Kowalska Wiśniewski Wisniewski Wójcik Wojcik Kowalczyk Kamiński Kaminski Lewandowski
        Zieliński Zielinski Szymański Szymanski Woźniak Wozniak Dąbrowski Dabrowski Kozłowski Kozlowski
        Jankowski Mazur Kwiatkowski Krawczyk Piotrowski Grabowski Nowakowski Pawłowski Michalski Nowicki
        Adamczyk Dudek Zając Zajac Wieczorek Jabłoński Jablonski Król Krol Majewski Olszewski Jaworski""",
    "rumænsk og balkan": """Ion Ioan Gheorghe Vasile Constantin Nicolae Mihai Andrei Alexandru Cristian Florin
        Marius Adrian Bogdan Ionuț Ionut Ștefan Stefan Elena Ioana Mihaela Andreea Cristina Florentina
        Popescu Popa Pop Radu Dumitru Stoica Stan Munteanu Constantinescu Ionescu Dobre Barbu Nistor Florea
        Moldovan Dragomir Lazăr Lazar Tudor Rusu Matei Ciobanu Toma Sârbu Sarbu Petrović Petrovic
        Jovanović Jovanovic Nikolić Nikolic Đorđević Djordjevic Hodžić Hodzic Hadžić Hadzic Begić Begic
        Mujić Mujic Hasanović Hasanovic Delić Delic Kovačević Kovacevic Emir Amra Amir Edin Adnan Elvedin
        Mirsad Senad Nermin Jasmin Almir Alma Amela Selma Lejla Merima Azra Emina Ajla Dženana Dzenana""",
    "ukrainsk og russisk": """Oksana Olena Iryna Yulia Yuliia Tetiana Tatiana Tatyana Nataliia Natalia Natalya Olha
        Olga Svitlana Svetlana Viktoriia Viktoria Kateryna Yekaterina Anastasiia Anastasia Halyna Galina
        Liudmyla Lyudmila Nadiia Nadezhda Inna Alla Larysa Larisa Andrii Andriy Andrey Oleksandr Aleksandr
        Oleksii Oleksiy Aleksey Serhii Serhiy Sergey Sergei Dmytro Dmitry Dmitri Volodymyr Vladimir Mykola
        Nikolai Yurii Yuriy Yuri Ihor Igor Vasyl Vasily Bohdan Taras Maksym Maxim Vitalii Vitaliy Roman
        Ruslan Artem Denys Yevhen Evgeny Shevchenko Bondarenko Kovalenko Tkachenko Kravchenko Melnyk Boyko
        Boiko Koval Shevchuk Polishchuk Lysenko Marchenko Savchenko Rudenko Moroz Kovalchuk Oliinyk Tkachuk
        Kravets Ivanova Ivanov Petrov Petrova Smirnov Smirnova Kuznetsov Popov Sokolov Volkov Morozov""",
    "vietnamesisk": """Nguyen Tran Pham Hoang Huynh Phan Vu Vo Dang Bui Do Ho Ngo Duong Ly Trinh Dinh Truong Lam
        Luong Quach Anh Minh Thanh Huong Linh Lan Hoa Hung Tuan Duc Quang Trung Thuy Trang Thao Ngoc Phuong
        Hanh Hien Hai Hieu Dung Dat Khanh Long Nam Phuc Son Tam Thu Tien Vinh Vy Yen Xuan Thi Van Kim""",
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wheel", type=Path, required=True, help="names_dataset-3.3.1-py3-none-any.whl")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)

    src: dict[str, set[str]] = {}

    def put(name: str, origin: str) -> None:
        for p in parts(name):
            for v in {p, plain(p)}:
                if latin_name(v) and len(v) >= 3:
                    src.setdefault(v, set()).add(origin)

    nd_first, nd_last, nd_version = load_nd(args.wheel)
    for table in (nd_first, nd_last):
        for name, info in table.items():
            for c, r in info["rank"].items():
                if c in ND_COUNTRIES and r is not None and r <= RANK:
                    put(name, c)
    del nd_first, nd_last

    import faker

    for loc in LOCALES:
        prov = importlib.import_module(f"faker.providers.person.{loc}").Provider
        for attr in dir(prov):
            if attr.startswith(("first_names", "last_names")) and not callable(getattr(prov, attr)):
                vals = getattr(prov, attr)
                for n in (vals.keys() if isinstance(vals, dict) else vals):
                    if isinstance(n, str) and n not in ("John", "Jane", "Doe"):
                        put(n, f"faker:{loc}")
    for group, names in HAND.items():
        for n in names.split():
            put(n, "hånd")

    da, en, stop, lookups_version, spacy_version = word_tables()
    da = {w.lower() for w in da}  # «LAN» in the table is «lan» in lower case
    never = {l.strip() for l in NEVER.read_text(encoding="utf-8").splitlines() if l.strip() and l[0] != "#"}
    out, dropped = [], []
    for n in sorted(src):
        low = n.lower()
        lp, cp = en.get(low), en.get(n)
        english = lp is not None and lp > ENGLISH_LOGPROB and (cp is None or lp > cp)
        if low in da or english or low in stop or n in never or n in DROP:
            dropped.append(n)
            continue
        flags = "p" if low + "s" in da else ""
        out.append(f"{n}\t{','.join(sorted(src[n]))}\t{flags}")
    header = [
        "# Brugerblik: common names of people with immigrant backgrounds in Denmark, masked in lower case too",
        "# (coding/anonymise.py). Built by tools/build_common_names.py; the rules are in its docstring.",
        f"# names-dataset {nd_version}: rank <= {RANK} in {' '.join(ND_COUNTRIES)}; Faker {faker.VERSION}: "
        f"{' '.join(LOCALES)}; hånd: the tool's HAND lists.",
        f"# Left out: Danish words (spacy-lookups-data {lookups_version} da lemma_lookup), English words "
        f"(en lexeme_prob > {ENGLISH_LOGPROB}), Danish stop words (spaCy {spacy_version}), ikke_navne.txt "
        f"({len(dropped)} names).",
        "# name\tsources\tflags (p = name + s is a Danish word)",
    ]
    args.out.write_text("\n".join(header + out) + "\n", encoding="utf-8")
    print(f"{len(out)} names, {len(dropped)} left out -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
