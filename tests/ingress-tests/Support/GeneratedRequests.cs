using System.Globalization;
using System.Net;
using System.Text;
using TestSupport;

namespace Ingress.Tests.Support;

// One generated request to POST /WeatherForecast/city (or another method on that route), kept as
// data so a failure can name exactly what was sent.
internal sealed record GeneratedRequest(
    int Index,
    string Kind,
    string Method,
    byte[]? Body,
    string? ContentType,
    bool Chunked,
    long? DeclaredLength,
    IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(new HttpMethod(Method), PublicRoutes.City);
        if (Body is not null)
        {
            HttpContent content = Chunked ? new UnknownLengthContent(Body) : new ByteArrayContent(Body);
            if (ContentType is not null)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }

            if (DeclaredLength is { } length)
            {
                content.Headers.ContentLength = length;
            }

            message.Content = content;
        }

        foreach (var (name, value) in Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }

    public override string ToString()
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"#{Index} {Kind}: {Method}");
        text.Append(CultureInfo.InvariantCulture, $", Content-Type: {Preview(ContentType)}");
        if (Chunked)
        {
            text.Append(", chunked");
        }

        if (DeclaredLength is { } length)
        {
            text.Append(CultureInfo.InvariantCulture, $", declared Content-Length: {length}");
        }

        foreach (var (name, value) in Headers)
        {
            text.Append(CultureInfo.InvariantCulture, $", {name}: {Preview(value)} ({value.Length} chars)");
        }

        text.Append(CultureInfo.InvariantCulture, $", body ({Body?.Length.ToString(CultureInfo.InvariantCulture) ?? "none"} bytes): {Preview(Body)}");
        return text.ToString();
    }

    private static string Preview(string? value) => value is null ? "(none)" : Preview(Encoding.UTF8.GetBytes(value));

    private static string Preview(byte[]? bytes)
    {
        if (bytes is null)
        {
            return "(none)";
        }

        const int Shown = 160;
        var text = new StringBuilder();
        foreach (var b in bytes.AsSpan(0, Math.Min(bytes.Length, Shown)))
        {
            text.Append(b is >= 0x20 and < 0x7F and not (byte)'\\' ? ((char)b).ToString() : $"\\x{b:X2}");
        }

        return bytes.Length > Shown ? $"{text}…" : text.ToString();
    }

    // Sent without Content-Length (chunked on the wire).
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

// Random and mutated bodies and headers for the forecast route, all drawn from one seeded Random so
// that a seed reproduces the whole sequence.
internal sealed class GeneratedRequests(Random random)
{
    public const int MaxBodyBytes = 16 * 1024;
    public const int MaxFieldLength = 100;

    private static readonly string[] ValidBodies =
    [
        """{"city":"Oslo"}""",
        """{"city": "Oslo", "location": "Sentrum"}""",
        """{"location":"Bryggen","city":"Bergen"}""",
        """{"city":"Tromsø","location":null}""",
    ];

    private static readonly string[] ContentTypes =
    [
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON; CHARSET=UTF-8",
        "application/json; charset=utf-16",
        "application/json; charset=iso-8859-1",
        "application/json; charset=utf-7",
        "application/json; charset=no-such-charset",
        "application/json; charset=\"",
        "application/json; charset=",
        "application/json;;;",
        "application/json; a=b; a=c; charset=utf-8; charset=latin1",
        "application/vnd.fuzz+json",
        "application/problem+json",
        "application/cloudevents+json",
        "application/cloudevents+json; charset=utf-8",
        "application/cloudevents+json; charset=utf-16",
        "application/cloudevents+json; charset=no-such-charset",
        "application/cloudevents-batch+json",
        "text/json",
        "text/plain",
        "text/plain; charset=utf-8",
        "multipart/form-data; boundary=----fuzz",
        "multipart/form-data",
        "application/x-www-form-urlencoded",
        "application/octet-stream",
        "application/xml",
        "*/*",
        "application/*",
        "application/",
        "json",
        "",
        " ",
        "application/json, text/plain",
    ];

    private static readonly byte[][] Insertions =
    [
        [0x00], [0x01], [0x08], [0x0A], [0x0D], [0x1B], [0x1F], [0x7F],
        [0xED, 0xA0, 0x80], // UTF-8 encoded lone high surrogate
        [0xED, 0xBF, 0xBF], // UTF-8 encoded lone low surrogate
        [0xC0, 0xAF], [0xC0, 0x80], [0xE0, 0x80, 0xAF], [0xF0, 0x80, 0x80, 0xAF], // overlong
        [0xF8, 0x88, 0x80, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80], // beyond U+10FFFF
        [0xFF], [0xFE], [0xC3], [0xE2, 0x82], [0x80], [0xC2, 0x85],
        [0xEF, 0xBB, 0xBF], [0xFF, 0xFE], [0xFE, 0xFF],
        "\\u0000"u8.ToArray(), "\\ud800"u8.ToArray(), "\\udc00"u8.ToArray(), "\\u12"u8.ToArray(), "\\x41"u8.ToArray(),
        "\""u8.ToArray(), "\\"u8.ToArray(), "{"u8.ToArray(), "}"u8.ToArray(), "["u8.ToArray(), ","u8.ToArray(), ":"u8.ToArray(),
    ];

    private static readonly string[] CityValues =
    [
        "\"\\u0000\"", "\"Oslo\\u0000\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\ud83d\\ude00\"", "\"Os\\u202elo\"",
        "\"\\t\"", "\"\\\\\"", "\"\\x41\"", "\"\\u12\"", "\"Oslo\u0001\"", "\"\"", "\" \"", "\"\\n\\r\"",
        "42", "-0", "true", "false", "null", "[]", "{}", "[\"Oslo\"]", "{\"name\":\"Oslo\"}",
        "1e999999", "-1e-999999", "123456789012345678901234567890123456789012345678901234567890",
        "0.000000000000000000000000000000000000000000000000001", "1E+", "-", "01", "NaN", "Infinity", "0x10",
        "'Oslo'", "Oslo", "\"Oslo", "\"Oslo\"\"",
    ];

    private static readonly string[] FieldNames =
    [
        "country", "City", "CITY", "Location", "__proto__", "constructor", "$type", "$id", "$ref", "",
        "city ", " city", "ci\\u0074y", "loaction", "\\u0000", "c\u0000ity", "\\ud800",
    ];

    private static readonly string[] Methods =
        ["GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "FOO", "post"];

    public IEnumerable<GeneratedRequest> Take(int count)
    {
        for (var index = 0; index < count; index++)
        {
            yield return (index % 12) switch
            {
                0 or 1 => RandomBody(index),
                >= 2 and <= 7 => MutatedBody(index),
                >= 8 and <= 10 => HostileHeaders(index),
                _ => OtherMethod(index),
            };
        }
    }

    private GeneratedRequest RandomBody(int index)
    {
        var length = random.Next(4) switch
        {
            0 => random.Next(0, 16),
            1 => random.Next(0, 512),
            2 => random.Next(0, 4096),
            _ => random.Next(MaxBodyBytes - 64, MaxBodyBytes + 4096),
        };
        var body = new byte[length];
        if (random.Next(2) == 0)
        {
            random.NextBytes(body);
            return Post(index, "random bytes", body);
        }

        // Bytes a JSON reader reacts to, so more of them get past the first character.
        const string alphabet = "{}[]\":,0123456789.eE+- \t\r\nabcdlnrstuyOo\\/u";
        for (var i = 0; i < body.Length; i++)
        {
            body[i] = (byte)alphabet[random.Next(alphabet.Length)];
        }

        return Post(index, "random JSON alphabet", body);
    }

    private GeneratedRequest MutatedBody(int index)
    {
        var (kind, body) = random.Next(10) < 6 ? Structured() : ("valid", Utf8(Pick(ValidBodies)));
        var mutations = random.Next(10) < 6 ? random.Next(1, 4) : 0;
        if (kind == "valid" && mutations == 0)
        {
            mutations = 1;
        }

        var applied = new List<string> { kind };
        for (var i = 0; i < mutations; i++)
        {
            string name;
            (name, body) = Mutate(body);
            applied.Add(name);
        }

        var contentType = random.Next(10) == 0 ? Pick(ContentTypes) : "application/json";
        return Post(index, "mutated " + string.Join(" + ", applied), body, contentType);
    }

    private GeneratedRequest HostileHeaders(int index)
    {
        var body = random.Next(3) switch
        {
            0 => Utf8(Pick(ValidBodies)),
            1 => Mutate(Utf8(Pick(ValidBodies))).Body,
            _ => Utf8(CloudEvent()),
        };
        string? contentType = random.Next(8) == 0 ? null : Pick(ContentTypes);
        var headers = new List<KeyValuePair<string, string>>();
        var huge = false;
        for (var count = random.Next(1, 5); headers.Count < count;)
        {
            var header = HostileHeader(allowHuge: !huge);
            huge |= header.Value.Length > 1024;
            headers.Add(header);
        }

        var chunked = random.Next(5) == 0;
        long? declared = !chunked && random.Next(6) == 0
            ? random.Next(4) switch
            {
                0 => 0,
                1 => Math.Max(0, body.Length - random.Next(1, 10)),
                2 => body.Length + random.Next(1, 10),
                _ => (long)body.Length * 2,
            }
            : null;
        return new GeneratedRequest(index, "hostile headers", "POST", body, contentType, chunked, declared, headers);
    }

    private GeneratedRequest OtherMethod(int index)
    {
        var method = Pick(Methods);
        byte[]? body = method is "HEAD" or "TRACE" || random.Next(3) == 0 ? null : Utf8(Pick(ValidBodies));
        return new GeneratedRequest(
            index, "method", method, body, body is null ? null : "application/json", Chunked: false, DeclaredLength: null, []);
    }

    private GeneratedRequest Post(int index, string kind, byte[] body, string contentType = "application/json") =>
        new(index, kind, "POST", body, contentType, Chunked: random.Next(8) == 0, DeclaredLength: null, []);

    private (string Kind, byte[] Body) Structured()
    {
        switch (random.Next(9))
        {
            case 0:
                var depth = Pick([7, 8, 9, 64, 1000, 10_000, random.Next(1, 10_001)]);
                return ($"nesting {depth}", Utf8(random.Next(4) switch
                {
                    0 => new string('[', depth) + new string(']', depth),
                    1 => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth),
                    2 => "{\"city\":" + new string('[', depth) + "\"Oslo\"" + new string(']', depth) + "}",
                    _ => string.Concat(Enumerable.Repeat("{\"city\":[", depth)),
                }));
            case 1:
                var value = Pick(CityValues);
                return ($"city value {value}", Utf8(random.Next(2) == 0
                    ? $$"""{"city":{{value}}}"""
                    : $$"""{"city":"Oslo","location":{{value}}}"""));
            case 2:
                var length = Pick([MaxFieldLength - 1, MaxFieldLength, MaxFieldLength + 1, 255, 1000, 5000, random.Next(0, 300)]);
                var text = LongText(length);
                return ($"long string {length} chars", Utf8(random.Next(2) == 0
                    ? $$"""{"city":"{{text}}"}"""
                    : $$"""{"city":"Oslo","location":"{{text}}"}"""));
            case 3:
                // Whole bodies just under, at and over the byte limit.
                const string prefix = """{"city":"Oslo","location":" """;
                var total = Pick([MaxBodyBytes - 1, MaxBodyBytes, MaxBodyBytes + 1, MaxBodyBytes * 2, 100_000, random.Next(MaxBodyBytes - 100, MaxBodyBytes + 100)]);
                return ($"body of {total} bytes", Utf8(prefix + new string('x', total - prefix.Length - 2) + "\"}"));
            case 4:
                var field = Pick(FieldNames);
                return ($"field \"{field}\"", Utf8($$"""{"city":"Oslo","{{field}}":{{Pick(CityValues)}}}"""));
            case 5:
                return ("duplicated keys", Utf8(Pick([
                    """{"city":"Oslo","city":"Oslo"}""",
                    """{"city":"Oslo","CITY":"Bergen"}""",
                    """{"location":"a","location":"b","city":"Oslo"}""",
                    """{"city":"Oslo","location":"a","Location":"a"}""",
                    "{" + string.Concat(Enumerable.Repeat("\"city\":\"Oslo\",", random.Next(2, 2000))) + "\"location\":\"a\"}",
                ])));
            case 6:
                var json = Pick(ValidBodies);
                return random.Next(5) switch
                {
                    0 => ("UTF-8 BOM", [0xEF, 0xBB, 0xBF, .. Utf8(json)]),
                    1 => ("double UTF-8 BOM", [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, .. Utf8(json)]),
                    2 => ("UTF-16 LE with BOM", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(json)]),
                    3 => ("UTF-16 BE without BOM", Encoding.BigEndianUnicode.GetBytes(json)),
                    _ => ("UTF-32 with BOM", [.. Encoding.UTF32.GetPreamble(), .. Encoding.UTF32.GetBytes(json)]),
                };
            case 7:
                return ("JSON variant", Utf8(Pick([
                    " \t\r\n{\"city\":\"Oslo\"} \t\r\n",
                    "{\"city\":\"Oslo\",}",
                    "{\"city\":\"Oslo\" /* comment */}",
                    "// comment\n{\"city\":\"Oslo\"}",
                    "{'city':'Oslo'}",
                    "{city:\"Oslo\"}",
                    "{\"city\":\"Oslo\"} {}",
                    "{\"city\":\"Oslo\"}garbage",
                    "\"Oslo\"",
                    "42",
                    "true",
                    "{}",
                    "{\"city\":\"O\\u0073lo\"}",
                    "{\"\\u0063ity\":\"Oslo\"}",
                ])));
            default:
                return ("cloud event", Utf8(CloudEvent()));
        }
    }

    private (string Name, byte[] Body) Mutate(byte[] body)
    {
        switch (random.Next(5))
        {
            case 0:
                var flipped = body.ToArray();
                var flips = random.Next(1, 9);
                for (var i = 0; i < flips && flipped.Length > 0; i++)
                {
                    var at = random.Next(flipped.Length);
                    flipped[at] = random.Next(2) == 0 ? (byte)(flipped[at] ^ (1 << random.Next(8))) : (byte)random.Next(256);
                }

                return ($"{flips} byte flips", flipped);
            case 1:
                var keep = random.Next(body.Length + 1);
                return ($"truncated to {keep}", body[..keep]);
            case 2:
                if (random.Next(3) == 0)
                {
                    var times = random.Next(2, 60);
                    return ($"repeated {times} times", [.. Enumerable.Repeat(body, times).SelectMany(bytes => bytes)]);
                }

                var start = random.Next(body.Length + 1);
                var end = random.Next(start, body.Length + 1);
                var into = random.Next(body.Length + 1);
                return ($"duplicated [{start}..{end}) at {into}", [.. body[..into], .. body[start..end], .. body[into..]]);
            default:
                var insertion = Pick(Insertions);
                var position = random.Next(body.Length + 1);
                return ($"inserted {Convert.ToHexString(insertion)} at {position}", [.. body[..position], .. insertion, .. body[position..]]);
        }
    }

    private KeyValuePair<string, string> HostileHeader(bool allowHuge)
    {
        var (name, value) = random.Next(12) switch
        {
            0 or 1 => ("Prefer", Pick([
                "respond-async", "RESPOND-ASYNC", "respond-async; wait=5", "wait=abc, respond-async", ",,,,", ";;;",
                "respond-async;", " respond-async ", "handling=lenient", "return=minimal", "", "wait=-1",
                "respond-async" + new string(',', 4000), string.Concat(Enumerable.Repeat("a;", 3000)), Printable(random.Next(1, 200)),
            ])),
            2 or 3 => ("Accept", Pick([
                "text/html", "application/xml", "*/*", "application/problem+json", "application/json;q=0", "text/plain",
                "", "garbage/garbage;;q=abc", "image/*", "application/json", "text/*;q=0.1, */*;q=0", Printable(random.Next(1, 100)),
            ])),
            4 => ("traceparent", Pick([
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "00-00000000000000000000000000000000-0000000000000000-00",
                "ff-zz-zz-zz", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331", "", Printable(random.Next(1, 300)),
            ])),
            5 => ("baggage", string.Concat(Enumerable.Repeat("k=v,", random.Next(1, 2000)))),
            6 => ("tracestate", Printable(random.Next(1, 600))),
            7 => ("Authorization", "Bearer " + Printable(random.Next(0, 400))),
            8 => ("Content-Encoding", Pick(["gzip", "br", "deflate", "identity", "garbage", ""])),
            9 => (Pick(["X-Forwarded-For", "Forwarded", "Cookie", "Accept-Charset", "Accept-Language", "Origin", "Referer"]), Printable(random.Next(0, 300))),
            _ => ("X-Fuzz-" + random.Next(1000).ToString(CultureInfo.InvariantCulture), Printable(random.Next(0, 300))),
        };

        if (allowHuge && random.Next(10) == 0)
        {
            // Kestrel allows 32 KiB of request headers in total by default; stay below.
            value = new string('a', random.Next(4 * 1024, 24 * 1024));
        }

        return new(name, value);
    }

    private string CloudEvent()
    {
        var data = random.Next(4) switch
        {
            0 => "\"data\":{\"city\":\"Oslo\"}",
            1 => "\"data\":\"{\\\"city\\\":\\\"Oslo\\\"}\"",
            2 => "\"data_base64\":\"" + Pick(["eyJjaXR5IjoiT3NsbyJ9", "!!!not-base64", ""]) + "\"",
            _ => "\"data\":" + Pick(CityValues),
        };
        var dataContentType = Pick(["application/json", "text/plain", "application/cloudevents+json", "", "garbage", "application/json; charset=no-such-charset"]);
        return $$"""{"specversion":"1.0","type":"fuzz","source":"fuzz","id":"1","datacontenttype":"{{dataContentType}}",{{data}}}""";
    }

    private string LongText(int length)
    {
        var unit = Pick(["a", "ø", "😀", "語", "e\u0301", " "]);
        var text = new StringBuilder(length);
        while (text.Length < length)
        {
            text.Append(unit);
        }

        return text.ToString(0, Math.Min(length, text.Length));
    }

    private string Printable(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)random.Next(0x20, 0x7F);
        }

        return new string(chars);
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
