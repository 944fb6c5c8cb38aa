using System.Runtime.InteropServices;
using System.Text;

namespace Interrogate.Text;

/// <summary>
/// NFC, NFD, NFKC and NFKD through the system's ICU library (libicuuc), called directly. The runtime's
/// string.Normalize cannot be used: the projects build with InvariantGlobalization (every culture
/// operation stays ordinal and every number invariant), and there string.Normalize returns non-ASCII
/// text unchanged. ASCII text is its own normal form in all four and never needs ICU.
/// </summary>
public static unsafe class UnicodeNormalizer
{
    private const int BufferOverflow = 15;   // U_BUFFER_OVERFLOW_ERROR

    private static readonly Lazy<Icu?> icu = new(Icu.Load);

    /// <summary>True where libicuuc could be loaded (needed only for non-ASCII text).</summary>
    public static bool Available => icu.Value is not null;

    /// <summary>The text in <paramref name="form"/>; <see cref="InputException"/> when it is not ASCII and ICU is missing.</summary>
    public static string Normalize(string text, NormalizationForm form)
    {
        if (Ascii.IsValid(text)) return text;
        var api = icu.Value ?? throw new InputException(
            $"the tokenizer's {form} normalizer needs the ICU library (libicuuc), which could not be loaded; install it (Debian/Ubuntu: apt-get install libicu72)");
        nint normalizer = form switch
        {
            NormalizationForm.FormC => api.Nfc,
            NormalizationForm.FormD => api.Nfd,
            NormalizationForm.FormKC => api.Nfkc,
            _ => api.Nfkd,
        };
        int capacity = text.Length + 16;
        while (true)
        {
            var buffer = new char[capacity];
            int error = 0, length;
            fixed (char* source = text, destination = buffer)
                length = api.Normalize(normalizer, source, text.Length, destination, capacity, &error);
            if (error == BufferOverflow) { capacity = length + 16; continue; }
            if (error > 0) throw new InvalidOperationException($"ICU unorm2_normalize failed with error {error}");
            return new string(buffer, 0, length);
        }
    }

    private sealed class Icu
    {
        public nint Nfc, Nfd, Nfkc, Nfkd;   // const UNormalizer2*
        public delegate* unmanaged<nint, char*, int, char*, int, int*, int> Normalize;

        /// <summary>libicuuc of any version from 80 down to 50; its exports carry the version as a suffix (unorm2_normalize_72).</summary>
        public static Icu? Load()
        {
            for (int version = 80; version >= 50; version--)
            {
                if (!NativeLibrary.TryLoad($"libicuuc.so.{version}", out var library)) continue;
                string suffix = NativeLibrary.TryGetExport(library, $"unorm2_normalize_{version}", out _) ? $"_{version}" : "";
                if (!NativeLibrary.TryGetExport(library, "unorm2_normalize" + suffix, out var normalize)) continue;
                var api = new Icu { Normalize = (delegate* unmanaged<nint, char*, int, char*, int, int*, int>)normalize };
                api.Nfc = Instance(library, "unorm2_getNFCInstance" + suffix);
                api.Nfd = Instance(library, "unorm2_getNFDInstance" + suffix);
                api.Nfkc = Instance(library, "unorm2_getNFKCInstance" + suffix);
                api.Nfkd = Instance(library, "unorm2_getNFKDInstance" + suffix);
                if (api.Nfc != 0 && api.Nfd != 0 && api.Nfkc != 0 && api.Nfkd != 0) return api;
            }
            return null;
        }

        private static nint Instance(nint library, string name)
        {
            if (!NativeLibrary.TryGetExport(library, name, out var getter)) return 0;
            int error = 0;
            nint instance = ((delegate* unmanaged<int*, nint>)getter)(&error);
            return error > 0 ? 0 : instance;
        }
    }
}
