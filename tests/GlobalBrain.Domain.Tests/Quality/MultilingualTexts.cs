namespace GlobalBrain.Domain.Tests.Quality;

/// <summary>
/// Texts for language-detection agreement tests, written for them: two paragraphs in each of the 12 default
/// candidates and in six Latin-script languages outside them, and what is built from those (short and long cuts,
/// mixtures, lists of names, upper case, markup).
/// </summary>
internal static class MultilingualTexts
{
    /// <summary>One long paragraph per language.</summary>
    public static readonly IReadOnlyDictionary<string, string> Long = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["en"] = "The old lighthouse keeper climbed the narrow stairs every evening at dusk, carrying a small lamp and a book he never finished. The villagers said he had been there longer than anyone could remember, and that on stormy nights he spoke to the ships as if they could hear him.",
        ["es"] = "El viejo farero subía cada tarde la estrecha escalera al anochecer, con una pequeña lámpara y un libro que nunca terminaba. Los vecinos decían que llevaba allí más tiempo del que nadie podía recordar, y que en las noches de tormenta hablaba a los barcos como si pudieran oírle.",
        ["de"] = "Der alte Leuchtturmwärter stieg jeden Abend in der Dämmerung die schmale Treppe hinauf, mit einer kleinen Lampe und einem Buch, das er nie zu Ende las. Die Dorfbewohner sagten, er sei schon länger dort, als sich irgendjemand erinnern konnte, und dass er in stürmischen Nächten mit den Schiffen sprach.",
        ["fr"] = "Le vieux gardien du phare montait chaque soir l'escalier étroit à la tombée de la nuit, avec une petite lampe et un livre qu'il ne finissait jamais. Les villageois disaient qu'il était là depuis plus longtemps que quiconque pouvait s'en souvenir, et que les nuits de tempête il parlait aux navires.",
        ["it"] = "Il vecchio guardiano del faro saliva ogni sera la scala stretta al tramonto, portando una piccola lampada e un libro che non finiva mai. Gli abitanti del villaggio dicevano che era lì da più tempo di quanto chiunque potesse ricordare, e che nelle notti di tempesta parlava alle navi come se potessero sentirlo.",
        ["pt"] = "O velho faroleiro subia todas as tardes a escada estreita ao anoitecer, levando uma pequena lâmpada e um livro que nunca terminava. Os moradores da aldeia diziam que ele estava ali havia mais tempo do que alguém conseguia lembrar, e que nas noites de tempestade falava com os navios como se pudessem ouvi-lo.",
        ["nl"] = "De oude vuurtorenwachter beklom elke avond bij het vallen van de schemering de smalle trap, met een kleine lamp en een boek dat hij nooit uitlas. De dorpelingen zeiden dat hij er al langer was dan iemand zich kon herinneren, en dat hij in stormachtige nachten tegen de schepen sprak alsof ze hem konden horen.",
        ["ru"] = "Старый смотритель маяка каждый вечер в сумерках поднимался по узкой лестнице, неся маленькую лампу и книгу, которую так и не дочитал. Жители деревни говорили, что он был там дольше, чем кто-либо мог вспомнить, и что в штормовые ночи он разговаривал с кораблями.",
        ["zh"] = "老灯塔看守人每天黄昏都会爬上狭窄的楼梯，手里提着一盏小灯和一本从未读完的书。村民们说，他在那里待的时间比任何人记得的都要长，而且在暴风雨的夜晚，他会对着过往的船只说话，仿佛它们能听见一样。",
        ["ja"] = "年老いた灯台守は毎晩夕暮れになると、小さなランプと読み終えることのない本を持って狭い階段を上った。村の人々は、彼が誰も覚えていないほど昔からそこにいて、嵐の夜には船に向かってまるで聞こえるかのように話しかけていたと言った。",
        ["ar"] = "كان حارس المنارة العجوز يصعد الدرج الضيق كل مساء عند الغسق، حاملاً مصباحاً صغيراً وكتاباً لم يكمله قط. وكان أهل القرية يقولون إنه موجود هناك منذ زمن أطول مما يتذكره أي أحد، وإنه في ليالي العواصف كان يتحدث إلى السفن كأنها تسمعه.",
        ["ko"] = "늙은 등대지기는 매일 저녁 해질 무렵 작은 등불과 끝내 다 읽지 못한 책 한 권을 들고 좁은 계단을 올랐다. 마을 사람들은 그가 누구도 기억하지 못할 만큼 오래전부터 그곳에 있었고, 폭풍이 치는 밤이면 배들이 그의 말을 들을 수 있다는 듯 말을 걸었다고 했다.",
        ["ca"] = "El vell faroner pujava cada vespre l'escala estreta quan es feia fosc, amb un llum petit i un llibre que mai no acabava. Els veïns deien que feia més temps que era allà del que ningú podia recordar, i que les nits de tempesta parlava als vaixells com si el poguessin sentir.",
        ["pl"] = "Stary latarnik co wieczór o zmierzchu wspinał się po wąskich schodach, niosąc małą lampę i książkę, której nigdy nie skończył. Mieszkańcy wioski mówili, że był tam dłużej, niż ktokolwiek pamiętał, i że w burzliwe noce rozmawiał ze statkami, jakby mogły go usłyszeć.",
        ["sv"] = "Den gamle fyrvaktaren klättrade varje kväll i skymningen uppför den smala trappan, med en liten lampa och en bok som han aldrig läste ut. Byborna sade att han hade varit där längre än någon kunde minnas, och att han under stormiga nätter talade till fartygen som om de kunde höra honom.",
        ["ro"] = "Bătrânul paznic al farului urca în fiecare seară scara îngustă la căderea nopții, ducând o lampă mică și o carte pe care nu o termina niciodată. Sătenii spuneau că era acolo de mai mult timp decât își putea aminti cineva și că în nopțile cu furtună vorbea cu corăbiile.",
        ["id"] = "Penjaga mercusuar tua itu menaiki tangga sempit setiap sore saat senja, membawa lampu kecil dan sebuah buku yang tidak pernah ia selesaikan. Penduduk desa berkata bahwa ia sudah berada di sana lebih lama daripada yang bisa diingat siapa pun, dan bahwa pada malam badai ia berbicara kepada kapal-kapal.",
        ["tr"] = "Yaşlı deniz feneri bekçisi her akşam alacakaranlıkta küçük bir lamba ve hiç bitiremediği bir kitapla dar merdivenleri tırmanırdı. Köylüler onun kimsenin hatırlayamayacağı kadar uzun zamandır orada olduğunu ve fırtınalı gecelerde gemilerle konuştuğunu söylerdi.",
    };

    /// <summary>A second paragraph per Latin-script language, on another subject.</summary>
    private static readonly Dictionary<string, string> Second = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["en"] = "To apply for the permit, fill in the form online, attach a copy of your identity card and pay the fee within thirty days. Applications that arrive late or incomplete will be returned without being processed.",
        ["es"] = "Para solicitar el permiso, rellene el formulario en línea, adjunte una copia de su documento de identidad y pague la tasa en un plazo de treinta días. Las solicitudes que lleguen tarde o incompletas serán devueltas sin tramitar.",
        ["de"] = "Um die Genehmigung zu beantragen, füllen Sie das Formular online aus, fügen Sie eine Kopie Ihres Personalausweises bei und zahlen Sie die Gebühr innerhalb von dreißig Tagen. Verspätete oder unvollständige Anträge werden nicht bearbeitet.",
        ["fr"] = "Pour demander le permis, remplissez le formulaire en ligne, joignez une copie de votre pièce d'identité et payez les frais dans un délai de trente jours. Les demandes arrivées en retard ou incomplètes seront renvoyées sans être traitées.",
        ["it"] = "Per richiedere il permesso, compilate il modulo online, allegate una copia del documento d'identità e pagate la tassa entro trenta giorni. Le domande arrivate in ritardo o incomplete saranno restituite senza essere esaminate.",
        ["pt"] = "Para pedir a licença, preencha o formulário online, anexe uma cópia do seu documento de identidade e pague a taxa no prazo de trinta dias. Os pedidos que chegarem atrasados ou incompletos serão devolvidos sem serem processados.",
        ["nl"] = "Om de vergunning aan te vragen, vult u het formulier online in, voegt u een kopie van uw identiteitskaart toe en betaalt u de kosten binnen dertig dagen. Aanvragen die te laat of onvolledig binnenkomen, worden niet behandeld.",
        ["ca"] = "Per sol·licitar el permís, ompliu el formulari en línia, adjunteu una còpia del document d'identitat i pagueu la taxa en un termini de trenta dies. Les sol·licituds que arribin tard o incompletes es retornaran sense tramitar.",
        ["pl"] = "Aby złożyć wniosek o zezwolenie, wypełnij formularz online, dołącz kopię dowodu osobistego i wnieś opłatę w ciągu trzydziestu dni. Wnioski złożone po terminie lub niekompletne zostaną zwrócone bez rozpatrzenia.",
        ["sv"] = "För att ansöka om tillståndet fyller du i formuläret på nätet, bifogar en kopia av din id-handling och betalar avgiften inom trettio dagar. Ansökningar som kommer in för sent eller är ofullständiga skickas tillbaka utan att behandlas.",
    };

    /// <summary>Every text of the set with a label saying what it is.</summary>
    public static List<(string Kind, string Text)> All()
    {
        var texts = new List<(string, string)>();
        foreach (var (code, text) in Long)
        {
            texts.Add(($"{code} long", text));
            texts.Add(($"{code} first sentence", text[..(text.IndexOf('.', StringComparison.Ordinal) + 1)]));
            texts.Add(($"{code} 130 characters", text[..Math.Min(130, text.Length)]));
            texts.Add(($"{code} 60 characters", text[..Math.Min(60, text.Length)]));
            texts.Add(($"{code} upper case", text.ToUpperInvariant()));
            texts.Add(($"{code} four words", string.Join(' ', text.Split(' ').Take(4))));
            if (Second.TryGetValue(code, out var second))
            {
                texts.Add(($"{code} two paragraphs", text + "\n\n" + second));
                texts.Add(($"{code} second", second));
                texts.Add(($"{code} with markup", $"<p>{second}</p> <a href=\"https://example.org/{code}/form?id=42\">form 42</a> © 2024"));
            }
        }

        foreach (var (a, b) in new[] { ("en", "fr"), ("es", "pt"), ("de", "nl"), ("it", "es"), ("fr", "ca"), ("en", "de"), ("pt", "es"), ("en", "ru"), ("es", "zh"), ("en", "ja") })
        {
            texts.Add(($"{a}+{b} halves", Long[a][..(Long[a].Length / 2)] + " " + Long[b][(Long[b].Length / 2)..]));
            texts.Add(($"{a} with one {b} sentence", Long[a] + " " + Long[b][..(Long[b].IndexOfAny(['.', '。', '،']) + 1)]));
        }

        texts.Add(("names", "Maria Garcia, John Smith, Hans Müller, Pierre Dubois, Giulia Rossi, João Silva, Jan de Vries, Carlos Pereira, Anna Schmidt, Luca Bianchi, Sophie Martin, Pedro Santos"));
        texts.Add(("places", "Barcelona Madrid Lisboa Porto Paris Lyon Berlin München Amsterdam Rotterdam Roma Milano London Manchester Sevilla Valencia Napoli Torino Hamburg Utrecht"));
        texts.Add(("loanwords", "hotel restaurant taxi bar pizza football internet radio video piano taxi hotel chocolate tomato banana animal hospital central normal final general total"));
        texts.Add(("code", "public static void Main(string[] args) { var total = args.Length; Console.WriteLine(total); return; } // the entry point of the program, which prints the argument count"));
        texts.Add(("repeated word", string.Join(' ', Enumerable.Repeat("casa", 60))));
        texts.Add(("digits and punctuation", "1234 5678 !!! ... 3.14159 -- 42 :: 2024-11-30 ## 100% ** 7 + 8 = 15"));
        texts.Add(("latin", "Gallia est omnis divisa in partes tres, quarum unam incolunt Belgae, aliam Aquitani, tertiam qui ipsorum lingua Celtae, nostra Galli appellantur. Hi omnes lingua, institutis, legibus inter se differunt."));
        texts.Add(("spanish dialogue", "—¿Y quién es usted? —preguntó ella. —Nadie importante —respondió él—, sólo un viajero que busca un sitio donde dormir esta noche, si es que aún queda alguno en este pueblo."));
        texts.Add(("portuguese accents", "Não há razão para ação sem coração: a tradição, a emoção e a paixão são lições de educação, atenção e união na nação, então vão à população com informação e solução."));
        texts.Add(("german ß", "Die Straße war naß, der Fuß tat weh, und das große Maß an Spaß ließ nach, bis der Gruß kam."));
        return texts;
    }
}
