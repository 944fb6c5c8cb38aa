using System.Globalization;
using System.Text.Json.Nodes;
using Interrogate.Formats;
using Interrogate.IO;
using Interrogate.Tensors;

namespace Interrogate.Features;

/// <summary>
/// The SAELens folder layout that pretrained dictionaries ship in (Gemma Scope, OpenAI's GPT-2-small
/// SAEs as converted by SAELens): <c>cfg.json</c> (d_in, d_sae, architecture or activation_fn_str,
/// k, apply_b_dec_to_input, hook_name) and <c>sae_weights.safetensors</c> with W_enc [d_in, d_sae],
/// W_dec [d_sae, d_out], b_enc [d_sae], b_dec [d_out] and, for JumpReLU, threshold [d_sae]. Transcoders
/// add d_out and hook_name_out. Anything missing or inconsistent is an <see cref="InputException"/>
/// naming the file and the field.
/// </summary>
public static class SaeLensFormat
{
    public const string ConfigFile = "cfg.json";
    public const string WeightsFile = "sae_weights.safetensors";

    /// <summary>Writes cfg.json and sae_weights.safetensors of a dictionary into a folder, each atomically; modelName is recorded as model_name.</summary>
    public static void Save(SparseDictionary d, string directory, string modelName = "")
    {
        Directory.CreateDirectory(directory);
        var wEnc = new float[d.EncoderWeight.Length];   // stored [d_in, d_sae]
        for (int j = 0; j < d.Latents; j++)
            for (int c = 0; c < d.InputWidth; c++) wEnc[c * d.Latents + j] = d.EncoderWeight[j * d.InputWidth + c];
        var tensors = new List<(string, Tensor)>
        {
            ("W_enc", new Tensor(wEnc, d.InputWidth, d.Latents)),
            ("W_dec", new Tensor((float[])d.DecoderWeight.Clone(), d.Latents, d.OutputWidth)),
            ("b_enc", new Tensor((float[])d.EncoderBias.Clone(), d.Latents)),
            ("b_dec", new Tensor((float[])d.DecoderBias.Clone(), d.OutputWidth)),
        };
        if (d.Activation == DictionaryActivation.JumpRelu) tensors.Add(("threshold", new Tensor((float[])d.Threshold.Clone(), d.Latents)));
        var cfg = new JsonObject
        {
            ["architecture"] = Architecture(d.Activation),
            ["d_in"] = d.InputWidth,
            ["d_sae"] = d.Latents,
            ["activation_fn_str"] = d.Activation == DictionaryActivation.TopK ? "topk" : "relu",
            ["activation_fn_kwargs"] = d.Activation == DictionaryActivation.TopK ? new JsonObject { ["k"] = d.K } : new JsonObject(),
            ["apply_b_dec_to_input"] = d.SubtractDecoderBias,
            ["hook_name"] = d.HookIn,
            ["model_name"] = modelName,
            ["dtype"] = "float32",
            ["normalize_activations"] = "none",
        };
        if (d.Activation == DictionaryActivation.TopK) cfg["k"] = d.K;
        if (d.IsTranscoder) { cfg["d_out"] = d.OutputWidth; cfg["hook_name_out"] = d.HookOut; }
        SafetensorsWriter.Write(Path.Combine(directory, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        AtomicFile.WriteAllText(Path.Combine(directory, ConfigFile), cfg.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Loads a dictionary folder; <see cref="InputException"/> naming the file for anything malformed.</summary>
    public static SparseDictionary Load(string directory)
    {
        if (!Directory.Exists(directory)) throw InputException.ForFile(directory, "dictionary folder not found (expected cfg.json and sae_weights.safetensors)");
        string cfgPath = Path.Combine(directory, ConfigFile), weightsPath = Path.Combine(directory, WeightsFile);
        var cfg = JsonFile.LoadObject(cfgPath);
        int dIn = Int(cfg, "d_in", cfgPath), dSae = Int(cfg, "d_sae", cfgPath);
        int dOut = cfg.ContainsKey("d_out") ? Int(cfg, "d_out", cfgPath) : dIn;
        var activation = ActivationOf(cfg, cfgPath);
        int k = activation == DictionaryActivation.TopK ? TopK(cfg, cfgPath) : 0;
        if (activation == DictionaryActivation.TopK && k > dSae) throw InputException.ForFile(cfgPath, $"k = {k} is larger than d_sae = {dSae}");
        using var file = SafetensorsFile.Open(weightsPath);
        // Before the dictionary is allocated: a size typo in cfg.json (d_sae 1e9) is a message, not an allocation.
        foreach (var (name, shape) in new[] { ("W_enc", new[] { dIn, dSae }), ("W_dec", new[] { dSae, dOut }) })
            if (file.Contains(name) && !file.GetInfo(name).Shape.SequenceEqual(shape))
                throw InputException.ForFile(cfgPath, $"describes {name} as [{string.Join(", ", shape)}], but {WeightsFile} holds [{string.Join(", ", file.GetInfo(name).Shape)}]");
        var d = new SparseDictionary(dIn, dOut, dSae, activation, k)
        {
            HookIn = Text(cfg, "hook_name") ?? "",
            SubtractDecoderBias = cfg["apply_b_dec_to_input"] is JsonValue v && v.TryGetValue(out bool b) ? b : dIn == dOut,
        };
        d.HookOut = Text(cfg, "hook_name_out") ?? d.HookIn;
        if (d.SubtractDecoderBias && dIn != dOut) throw InputException.ForFile(cfgPath, "apply_b_dec_to_input is true but d_in differs from d_out");
        var wEnc = Read(file, "W_enc", [dIn, dSae]);
        for (int c = 0; c < dIn; c++)
            for (int j = 0; j < dSae; j++) d.EncoderWeight[j * dIn + c] = wEnc[c * dSae + j];
        Read(file, "W_dec", [dSae, dOut]).CopyTo(d.DecoderWeight, 0);
        Read(file, "b_enc", [dSae]).CopyTo(d.EncoderBias, 0);
        Read(file, "b_dec", [dOut]).CopyTo(d.DecoderBias, 0);
        if (activation == DictionaryActivation.JumpRelu)
        {
            if (file.Contains("threshold")) Read(file, "threshold", [dSae]).CopyTo(d.Threshold, 0);
            else if (file.Contains("log_threshold")) Read(file, "log_threshold", [dSae]).Select(MathF.Exp).ToArray().CopyTo(d.Threshold, 0);
            else throw InputException.ForFile(weightsPath, "a JumpReLU dictionary needs a 'threshold' tensor [d_sae]");
        }
        if (file.Contains("scaling_factor") && Read(file, "scaling_factor", [dSae]).Any(s => s != 1f))
            throw InputException.ForFile(weightsPath, "has a 'scaling_factor' other than 1, which Interrogate does not apply; fold it into W_dec first");
        foreach (var (name, values) in new[] { ("W_enc", d.EncoderWeight), ("W_dec", d.DecoderWeight), ("b_enc", d.EncoderBias), ("b_dec", d.DecoderBias) })
            if (values.Any(x => !float.IsFinite(x))) throw InputException.ForFile(weightsPath, $"tensor '{name}' holds NaN or infinite values");
        using (var hash = new Data.Fingerprint()) d.Source = new DictionarySource(Path.GetFullPath(directory), hash.AddFile(weightsPath).ToHex());
        return d;
    }

    /// <summary>SAELens's architecture name of an activation: topk, jumprelu or standard.</summary>
    public static string Architecture(DictionaryActivation a) => a switch
    {
        DictionaryActivation.TopK => "topk",
        DictionaryActivation.JumpRelu => "jumprelu",
        _ => "standard",
    };

    private static DictionaryActivation ActivationOf(JsonObject cfg, string path)
    {
        string? arch = Text(cfg, "architecture"), fn = Text(cfg, "activation_fn_str") ?? Text(cfg, "activation_fn");
        if (arch == "jumprelu") return DictionaryActivation.JumpRelu;
        if (arch == "topk" || fn == "topk") return DictionaryActivation.TopK;
        if (arch is null or "standard" or "gated" && fn is null or "relu")
        {
            if (arch == "gated") throw InputException.ForFile(path, "architecture 'gated' is not supported (topk, jumprelu and standard/relu are)");
            return DictionaryActivation.Relu;
        }
        throw InputException.ForFile(path, $"unsupported architecture '{arch}' / activation '{fn}' (topk, jumprelu and standard/relu are supported)");
    }

    private static int TopK(JsonObject cfg, string path)
    {
        if (cfg["k"] is not null) return Int(cfg, "k", path);
        if (cfg["activation_fn_kwargs"] is JsonObject kw && kw["k"] is not null) return Int(kw, "k", path);
        throw InputException.ForFile(path, "a topk dictionary needs k (or activation_fn_kwargs.k)");
    }

    private static int Int(JsonObject o, string key, string path)
    {
        if (o[key] is JsonValue v && v.TryGetValue(out int n) && n > 0) return n;
        if (o[key] is JsonValue d && d.TryGetValue(out double x) && x > 0 && x == Math.Floor(x) && x < int.MaxValue) return (int)x;
        throw InputException.ForFile(path, o.ContainsKey(key) ? $"'{key}' must be a positive integer, got {JsonFile.Show(o[key])}" : $"missing '{key}'");
    }

    private static string? Text(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static float[] Read(SafetensorsFile file, string name, int[] shape)
    {
        if (!file.Contains(name)) throw InputException.ForFile(file.Path, $"missing tensor '{name}' [{string.Join(", ", shape)}]");
        var info = file.GetInfo(name);
        if (!info.Shape.SequenceEqual(shape))
            throw InputException.ForFile(file.Path, string.Create(CultureInfo.InvariantCulture,
                $"tensor '{name}' has shape [{string.Join(", ", info.Shape)}], cfg.json implies [{string.Join(", ", shape)}]"));
        var data = new float[info.ElementCount];
        file.ReadInto(name, data);
        return data;
    }
}
