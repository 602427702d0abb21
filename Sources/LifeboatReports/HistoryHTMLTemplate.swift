/// The Mustache template of `lifeboat history --format html`, kept in the source like the run
/// report's (`HTMLReportTemplate`, whose style sheet it shares) and self-contained the same
/// way: inline CSS and SVG, no script, a Content-Security-Policy that loads nothing. Every
/// `{{value}}` is HTML-escaped; the unescaped `{{{ }}}` form is never used.
enum HistoryHTMLTemplate {
    static let page = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        {{> head}}
        <title>Recovery history — Lifeboat</title>
        <style>
        {{> style}}
        header { border-bottom: 6px solid {{outcomeColour}}; }
        .chart .objective-label { font-size: 11px; fill: #1565c0; }
        .chart .panel-title { font-size: 12px; font-weight: 600; }
        </style>
        </head>
        <body>
        <header>
        <p class="kicker">Lifeboat recovery history</p>
        <h1>Achieved recovery against the objectives</h1>
        <p class="outcome-message">{{headline}}</p>
        </header>
        <main>
        {{#hasRows}}<ul class="legend">
        <li><span class="swatch" style="background: {{metColour}}"></span>objective met</li>
        <li><span class="swatch" style="background: {{missedColour}}"></span>objective missed (✕)</li>
        <li><span class="swatch" style="background: {{unjudgedColour}}"></span>not judged</li>
        <li><span class="swatch" style="background: {{objectiveColour}}"></span>objective (dashed)</li>
        </ul>
        {{/hasRows}}{{#charts}}<section class="scenario" id="scenario-{{scenario}}">
        <h2>{{scenario}}</h2>
        <p>{{summary}}</p>
        <div class="chart">
        <svg class="history-chart" data-scenario="{{scenario}}" viewBox="0 0 {{chartWidth}} {{height}}" width="{{chartWidth}}" height="{{height}}" role="img" aria-label="RTO and RPO of {{scenario}} over time against its objectives">
        {{#panels}}<g class="panel {{measure}}">
        <text class="panel-title" x="{{axisLeft}}" y="{{panelTitleY}}">{{panelTitle}}</text>
        <rect x="{{axisLeft}}" y="{{frameY}}" width="{{plotWidth}}" height="{{frameHeight}}" fill="none" stroke="#d1d9e0" stroke-width="1"></rect>
        {{#grid}}<line x1="{{axisLeft}}" y1="{{gridY}}" x2="{{axisRight}}" y2="{{gridY}}" stroke="#eaeef2" stroke-width="1"></line>
        <text class="tick" x="{{gridLabelX}}" y="{{gridLabelY}}" text-anchor="end">{{gridLabel}}</text>
        {{/grid}}{{#hasObjective}}<path class="objective" d="{{objectivePath}}" fill="none" stroke="{{objectiveColour}}" stroke-width="2.5" stroke-dasharray="8 4"><title>{{objectiveTooltip}}</title></path>
        {{/hasObjective}}{{^hasObjective}}<text class="tick" x="{{noObjectiveX}}" y="{{noObjectiveY}}">{{noObjective}}</text>
        {{/hasObjective}}{{#hasLine}}<polyline points="{{line}}" fill="none" stroke="#59636e" stroke-width="1.5"></polyline>
        {{/hasLine}}{{#points}}<g class="run{{#missed}} missed{{/missed}}"><title>{{pointTooltip}}</title>
        <circle cx="{{pointX}}" cy="{{pointY}}" r="{{#missed}}7{{/missed}}{{^missed}}5{{/missed}}" fill="{{pointColour}}"></circle>
        {{#missed}}<path d="{{cross}}" stroke="#ffffff" stroke-width="2"></path>
        {{/missed}}</g>
        {{/points}}</g>
        {{/panels}}<line x1="{{axisLeft}}" y1="{{axisY}}" x2="{{axisRight}}" y2="{{axisY}}" stroke="#59636e" stroke-width="1"></line>
        {{#ticks}}<text class="tick" x="{{tickX}}" y="{{tickLabelY}}" text-anchor="middle">{{tickLabel}}</text>
        {{/ticks}}<text class="tick" x="{{axisMiddle}}" y="{{axisTitleY}}" text-anchor="middle">{{axisTitle}}</text>
        </svg>
        </div>
        </section>
        {{/charts}}{{#hasRows}}<section id="runs">
        <h2>Runs</h2>
        <table>
        <thead><tr><th>started</th><th>scenario</th><th>kind</th><th>outcome</th><th>backup</th><th>RTO</th><th>RPO</th><th>downtime</th><th>objectives</th><th>run</th></tr></thead>
        <tbody>
        {{#rows}}<tr><td class="time">{{started}}</td><td class="nowrap">{{rowScenario}}</td><td>{{kind}}</td><td class="nowrap"><span class="swatch" style="background: {{outcomeSwatch}}"></span>{{outcome}}</td><td class="mono wrap">{{backup}}</td><td class="num">{{rto}}</td><td class="num">{{rpo}}</td><td class="num">{{downtime}}</td><td>{{objectives}}</td><td class="mono nowrap">{{runID}}</td></tr>
        {{/rows}}</tbody>
        </table>
        <p class="mono">Times are UTC.</p>
        </section>{{/hasRows}}
        </main>
        <footer>Written by Lifeboat from the runs' journals in LIFEBOAT_STATE_DIR, {{generated}}.</footer>
        </body>
        </html>

        """#
}
