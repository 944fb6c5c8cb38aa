namespace Interrogate.Training;

/// <summary>
/// Linear warm-up from 0 to the peak rate over <c>warmupSteps</c>, then cosine decay to
/// <c>minRate</c> at <c>totalSteps</c> (held there after).
/// </summary>
public sealed record CosineSchedule(float PeakRate, int WarmupSteps, int TotalSteps, float MinRate = 0f)
{
    /// <summary>The rate for a 0-based step index.</summary>
    public float RateAt(long step)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return PeakRate * (step + 1) / WarmupSteps;
        if (step >= TotalSteps) return MinRate;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return (float)(MinRate + 0.5 * (PeakRate - MinRate) * (1 + Math.Cos(Math.PI * progress)));
    }
}
