using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interrogate.Formats;

namespace Interrogate.Models.Transformer;

/// <summary>The rotary-frequency rescalings Hugging Face defines for Llama-style models.</summary>
public enum RopeScalingKind { Linear, Dynamic, Yarn, Llama3 }

/// <summary>
/// A config.json <c>rope_scaling</c> object: how rotary frequencies are stretched for longer contexts.
/// Linear divides positions by the factor; dynamic (NTK) raises the base once a pass runs past the
/// original context; YaRN blends interpolated and original frequencies by wavelength and scales
/// cos/sin by an attention factor; Llama 3 divides the low frequencies by the factor, keeps the high
/// ones and interpolates between.
/// </summary>
public sealed record RopeScaling
{
    public RopeScalingKind Kind { get; init; }
    public double Factor { get; init; } = 1;
    /// <summary>The context the frequencies were trained for (original_max_position_embeddings, else max_position_embeddings).</summary>
    public int OriginalContext { get; init; }
    public double LowFreqFactor { get; init; } = 1;     // llama3
    public double HighFreqFactor { get; init; } = 4;    // llama3
    public double BetaFast { get; init; } = 32;         // yarn
    public double BetaSlow { get; init; } = 1;          // yarn
    /// <summary>YaRN's cos/sin multiplier; null means 0.1·ln(factor) + 1.</summary>
    public double? AttentionFactor { get; init; }
    public bool Truncate { get; init; } = true;         // yarn: round the correction range outwards

    /// <summary>The cos/sin multiplier (1 except for YaRN).</summary>
    public double CosSinScale => Kind != RopeScalingKind.Yarn ? 1 : AttentionFactor ?? (Factor <= 1 ? 1 : 0.1 * Math.Log(Factor) + 1);

    /// <summary>
    /// Inverse frequencies [dims/2] for base <paramref name="theta"/> over <paramref name="dims"/> rotated
    /// dimensions; <paramref name="sequenceLength"/> (largest position + 1 of the pass) matters for dynamic only.
    /// </summary>
    public double[] InverseFrequencies(double theta, int dims, int sequenceLength)
    {
        if (Kind == RopeScalingKind.Dynamic && sequenceLength > OriginalContext)
            theta *= Math.Pow(Factor * sequenceLength / OriginalContext - (Factor - 1), dims / (dims - 2.0));
        var plain = RotaryEmbedding.PlainInverseFrequencies(theta, dims);
        return Kind switch
        {
            RopeScalingKind.Linear => [.. plain.Select(f => f / Factor)],
            RopeScalingKind.Dynamic => plain,
            RopeScalingKind.Llama3 => [.. plain.Select(Llama3)],
            _ => Yarn(plain, theta, dims),
        };
    }

    private double Llama3(double f)
    {
        double lowWavelength = OriginalContext / LowFreqFactor, highWavelength = OriginalContext / HighFreqFactor;
        double wavelength = 2 * Math.PI / f;
        if (wavelength < highWavelength) return f;
        if (wavelength > lowWavelength) return f / Factor;
        double smooth = (OriginalContext / wavelength - LowFreqFactor) / (HighFreqFactor - LowFreqFactor);
        return (1 - smooth) * f / Factor + smooth * f;
    }

    private double[] Yarn(double[] plain, double theta, int dims)
    {
        double CorrectionDim(double rotations) => dims * Math.Log(OriginalContext / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));
        double low = CorrectionDim(BetaFast), high = CorrectionDim(BetaSlow);
        if (Truncate) (low, high) = (Math.Floor(low), Math.Ceiling(high));
        (low, high) = (Math.Max(low, 0), Math.Min(high, dims - 1));
        if (low == high) high += 0.001;
        var result = new double[plain.Length];
        for (int i = 0; i < plain.Length; i++)
        {
            double ramp = Math.Clamp((i - low) / (high - low), 0, 1);
            double extrapolation = 1 - ramp;   // weight of the original frequency
            result[i] = plain[i] / Factor * (1 - extrapolation) + plain[i] * extrapolation;
        }
        return result;
    }

    /// <summary>
    /// Reads <c>rope_scaling</c>: null (absent, null or type "default") or a supported scaling;
    /// any other type (longrope, su, mrope…) is an <see cref="InputException"/> naming the file.
    /// </summary>
    public static RopeScaling? FromHf(HfConfig c, int contextLength)
    {
        if (!c.Json.TryGetPropertyValue("rope_scaling", out var node) || node is null) return null;
        if (node is not JsonObject o) throw InputException.ForFile(c.Path, $"'rope_scaling' must be an object or null, got {JsonFile.Show(node)}");
        var type = Text(o, "rope_type", c) ?? Text(o, "type", c) ?? "default";
        var kind = type switch
        {
            "default" => (RopeScalingKind?)null,
            "linear" => RopeScalingKind.Linear,
            "dynamic" => RopeScalingKind.Dynamic,
            "yarn" => RopeScalingKind.Yarn,
            "llama3" => RopeScalingKind.Llama3,
            _ => throw InputException.ForFile(c.Path, $"rope_scaling type '{MessageText.Printable(type)}' is not supported (supported: linear, dynamic, yarn, llama3)"),
        };
        if (kind is null) return null;
        double factor = Number(o, "factor", c) ?? throw InputException.ForFile(c.Path, $"rope_scaling type '{type}' needs a 'factor'");
        if (factor < 1) throw InputException.ForFile(c.Path, $"rope_scaling factor {factor.ToString(CultureInfo.InvariantCulture)} must be at least 1");
        var original = Number(o, "original_max_position_embeddings", c);
        if (kind == RopeScalingKind.Llama3 && original is null)
            throw InputException.ForFile(c.Path, "rope_scaling type 'llama3' needs 'original_max_position_embeddings'");
        var scaling = new RopeScaling
        {
            Kind = kind.Value,
            Factor = factor,
            OriginalContext = kind == RopeScalingKind.Dynamic ? contextLength : (int)(original ?? contextLength),   // HF's dynamic reads max_position_embeddings
            LowFreqFactor = Number(o, "low_freq_factor", c) ?? 1,
            HighFreqFactor = Number(o, "high_freq_factor", c) ?? 4,
            BetaFast = Number(o, "beta_fast", c) ?? 32,
            BetaSlow = Number(o, "beta_slow", c) ?? 1,
            AttentionFactor = Number(o, "attention_factor", c),
            Truncate = o["truncate"]?.GetValueKind() != JsonValueKind.False,
        };
        if (scaling.OriginalContext <= 0) throw InputException.ForFile(c.Path, "rope_scaling original_max_position_embeddings must be positive");
        if (kind == RopeScalingKind.Llama3 && scaling.HighFreqFactor <= scaling.LowFreqFactor)
            throw InputException.ForFile(c.Path, "rope_scaling high_freq_factor must exceed low_freq_factor");
        foreach (var key in new[] { "mscale", "mscale_all_dim" })
            if (o[key] is not null) throw InputException.ForFile(c.Path, $"rope_scaling '{key}' is not supported");
        return scaling;
    }

    /// <summary>The rope_scaling object as config.json holds it.</summary>
    public JsonObject ToHf()
    {
        var o = new JsonObject { ["rope_type"] = Kind.ToString().ToLowerInvariant(), ["factor"] = Factor };
        switch (Kind)
        {
            case RopeScalingKind.Llama3:
                (o["low_freq_factor"], o["high_freq_factor"], o["original_max_position_embeddings"]) = (LowFreqFactor, HighFreqFactor, OriginalContext);
                break;
            case RopeScalingKind.Yarn:
                (o["beta_fast"], o["beta_slow"], o["original_max_position_embeddings"], o["truncate"]) = (BetaFast, BetaSlow, OriginalContext, Truncate);
                if (AttentionFactor is { } a) o["attention_factor"] = a;
                break;
        }
        return o;
    }

    private static string? Text(JsonObject o, string key, HfConfig c) => o[key] switch
    {
        null => null,
        var n when n.GetValueKind() == JsonValueKind.String => n.GetValue<string>(),
        var n => throw InputException.ForFile(c.Path, $"rope_scaling '{key}' must be a string, got {JsonFile.Show(n)}"),
    };

    private static double? Number(JsonObject o, string key, HfConfig c) => o[key] switch
    {
        null => null,
        var n when n.GetValueKind() == JsonValueKind.Number && double.TryParse(n.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) => v,
        var n => throw InputException.ForFile(c.Path, $"rope_scaling '{key}' must be a number, got {JsonFile.Show(n)}"),
    };
}
