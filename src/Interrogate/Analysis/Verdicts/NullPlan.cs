using Interrogate.Analysis.Ablation;
using Interrogate.Models.Transformer;

namespace Interrogate.Analysis.Verdicts;

/// <summary>How the random-unit and random-set nulls of a concept study are measured.</summary>
public enum NullMode
{
    /// <summary>Exact when the exact null fits <see cref="NullPlan.ExactBudgetFlops"/>, else estimated.</summary>
    Auto,
    /// <summary>Every random unit and random set ablated exactly on every evaluation window.</summary>
    Exact,
    /// <summary>A random subsample ablated exactly on a few windows calibrates attribution-patching estimates of the rest (<see cref="EstimatedNull"/>).</summary>
    Estimated,
}

/// <summary>
/// The null a study runs, chosen by one compute rule for every model: the exact null costs about
/// (random units + random sets) × evaluation tokens × 2 × parameters floating-point operations (a forward per
/// job and token; the engine's layer skipping only makes it cheaper). Within <see cref="ExactBudgetFlops"/> it is
/// exact; above, the calibration subsample gets the windows that fit <see cref="CalibrationBudgetFlops"/> (at least 2).
/// </summary>
/// <param name="Mode">Exact or Estimated (never Auto).</param>
/// <param name="ExactUnitsPerLayer">Random units of each layer ablated exactly (all of them when exact).</param>
/// <param name="ExactSetsPerRole">Random sets of each role ablated exactly.</param>
/// <param name="CalibrationWindows">Evaluation windows (the first ones) the calibration ablations and the estimates run on.</param>
/// <param name="ExactNullFlops">What the exact null would cost by the rule above.</param>
/// <param name="Reason">Why this mode, in words (for the JSON and the table).</param>
public sealed record NullPlan(NullMode Mode, int ExactUnitsPerLayer, int ExactSetsPerRole, int CalibrationWindows, double ExactNullFlops, string Reason)
{
    /// <summary>About 10 minutes of two cores at 150–200 GFLOP/s: the shipped model's default null (≈ 4·10¹³) stays exact.</summary>
    public const double ExactBudgetFlops = 1e14;
    /// <summary>The exact calibration subsample's share: about 5 minutes of two cores.</summary>
    public const double CalibrationBudgetFlops = 5e13;

    /// <summary>Forward cost of one token: 2 × the model's parameters (embeddings included: the unembedding is read at scored positions).</summary>
    public static double FlopsPerToken(CausalLanguageModel model) => 2.0 * model.ParameterCount();

    /// <param name="options">The study's options (Null, RandomNeurons, RandomSets, NullUnits, NullSets, NullWindows, Method).</param>
    /// <param name="flopsPerToken">From <see cref="FlopsPerToken"/>.</param>
    /// <param name="windows">Evaluation windows.</param>
    /// <param name="length">Tokens per window.</param>
    public static NullPlan Choose(ConceptStudyOptions options, double flopsPerToken, int windows, int length)
    {
        int hooks = options.Hooks.Count;
        double perWindow = (double)length * flopsPerToken;
        double exactCost = ((double)hooks * options.RandomNeurons + 2.0 * options.RandomSets) * windows * perWindow;
        bool estimated = options.Null switch
        {
            NullMode.Exact => false,
            NullMode.Estimated => true,
            // Auto estimates only when it saves work and can calibrate: more random units than the exact subsample, at least 4 of each.
            _ => exactCost > ExactBudgetFlops && options.Method != AblationMethod.Resample && options.RandomNeurons > options.NullUnits
                 && Math.Min(options.NullUnits, options.NullSets) >= 4 && options.RandomSets >= 4,
        };
        if (estimated && options.Method == AblationMethod.Resample)
            throw new InputException("--null estimated: attribution patching estimates zero- and mean-ablation only; use --ablation mean or --null exact");
        if (!estimated)
            return new NullPlan(NullMode.Exact, options.RandomNeurons, options.RandomSets, windows, exactCost,
                options.Null == NullMode.Exact ? "exact (--null exact)"
                : options.Method == AblationMethod.Resample && exactCost > ExactBudgetFlops ? $"exact: resample-ablation has no estimate (exact null ≈ {exactCost:E1} FLOP)"
                : exactCost > ExactBudgetFlops ? $"exact: too few random units or sets to calibrate an estimate (exact null ≈ {exactCost:E1} FLOP)"
                : $"exact: the exact null (≈ {exactCost:E1} FLOP) fits the budget of {ExactBudgetFlops:E0}");
        int units = Math.Min(options.NullUnits, options.RandomNeurons), sets = Math.Min(options.NullSets, options.RandomSets);
        if (units < 4 || sets < 4) throw new InputException("--null-units: the estimated null needs at least 4 exact random units per layer and 4 random sets per role to calibrate (and --random, --random-sets at least that)");
        double calibrationPerWindow = ((double)hooks * units + 2.0 * sets) * perWindow;
        int calibration = options.NullWindows ?? (int)Math.Clamp(Math.Floor(CalibrationBudgetFlops / calibrationPerWindow), 2, windows);
        calibration = Math.Clamp(calibration, Math.Min(2, windows), windows);
        return new NullPlan(NullMode.Estimated, units, sets, calibration, exactCost,
            (options.Null == NullMode.Estimated ? "estimated (--null estimated)" : $"estimated: the exact null (≈ {exactCost:E1} FLOP) exceeds the budget of {ExactBudgetFlops:E0}") +
            $"; {units} random units per layer and {sets} random sets per role ablated exactly on {calibration} of {windows} windows calibrate the attribution-patching estimates of the rest");
    }
}
