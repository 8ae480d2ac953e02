package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplCategories templates.Page = "console/categories"

// CategoriesPage lists the request categories with a form to add one.
type CategoriesPage struct {
	Categories []models.Category
	Name       string
	Errors     FieldErrors
}

func (s *Server) categories(c echo.Context) error {
	return s.renderCategories(c, http.StatusOK, "content", CategoriesPage{})
}

func (s *Server) addCategory(c echo.Context) error {
	p := CategoriesPage{Name: strings.TrimSpace(c.FormValue("name")), Errors: FieldErrors{}}
	p.Errors.line("name", p.Name, "Name", 60)
	if !p.Errors.Any() {
		_, err := models.AddCategory(c.Request().Context(), s.db, p.Name)
		switch {
		case errors.Is(err, models.ErrCategoryExists):
			p.Errors["name"] = "There is already a category with this name."
		case err != nil:
			return err
		default:
			setFlash(c, "success", "Category “"+p.Name+"” added: new requests can choose it.")
			return redirect(c, "/console/categories")
		}
	}
	return s.renderCategories(c, http.StatusUnprocessableEntity, "content", p)
}

func (s *Server) archiveCategory(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := models.ArchiveCategory(c.Request().Context(), s.db, id); err != nil {
		return err
	}
	setFlash(c, "info", "The category is archived: new requests cannot choose it; existing ones keep it.")
	return redirect(c, "/console/categories")
}

func (s *Server) renderCategories(c echo.Context, status int, block string, p CategoriesPage) error {
	var err error
	if p.Categories, err = models.ListCategories(c.Request().Context(), s.db); err != nil {
		return err
	}
	if p.Errors == nil {
		p.Errors = FieldErrors{}
	}
	return s.renderBlock(c, status, tplCategories, block, View{Title: "Request categories", Nav: "settings", Data: p})
}
